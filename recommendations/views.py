"""Actions on a recommendation's page. Each parses a form, calls the model, goes back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from commontable.errors import ActionRefused
from recommendations.forms import (
    EndorsementForm,
    FundingForm,
    StageForm,
    WithdrawEndorsementForm,
)
from recommendations.models import RecommendationPage


def visible_recommendation(request, table: str, recommendation: str) -> RecommendationPage:
    """The recommendation at this address, or 404 if it is not there for this person."""
    return get_object_or_404(
        RecommendationPage.objects.visible_to(request.user).select_related("round_table"),
        round_table__slug=table,
        slug=recommendation,
    )


def form_errors(form) -> str:
    """A form's errors as one sentence, for a message after the redirect."""
    return " ".join(
        f"{form[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


@require_POST
@login_required
def endorse(request, table: str, recommendation: str):
    page = visible_recommendation(request, table, recommendation)
    form = EndorsementForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(page.url + "#endorsements")
    try:
        page.endorse(by=request.user, **form.cleaned_data)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{form.cleaned_data['organization']} endorses this.")
    return redirect(page.url + "#endorsements")


@require_POST
@login_required
def withdraw_endorsement(request, table: str, recommendation: str):
    page = visible_recommendation(request, table, recommendation)
    form = WithdrawEndorsementForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose an organization you represent.")
        return redirect(page.url + "#endorsements")
    try:
        page.withdraw_endorsement(by=request.user, **form.cleaned_data)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The endorsement is withdrawn.")
    return redirect(page.url + "#endorsements")


@require_POST
@login_required
def change_stage(request, table: str, recommendation: str):
    page = visible_recommendation(request, table, recommendation)
    form = StageForm(request.POST, convenings=page.endorsement_convenings())
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(page.url + "#change-stage")
    data = form.cleaned_data
    action, note, link = data["action"], data["note"], data["link"]
    page.stage = data["seen_stage"]  # act on what the person saw (see RecommendationPage._move)
    try:
        if action == "propose":
            page.propose(by=request.user, note=note, link=link)
        elif action == "endorse":
            page.endorse_at(data["convening"], by=request.user, note=note, link=link)
        elif action == "submit":
            page.submit(by=request.user, note=note, link=link)
        elif action in {"adopted", "declined", "deferred"}:
            page.record_decision(
                action, by=request.user, decided_on=data["decided_on"], link=link, note=note
            )
        elif action == "implemented":
            page.mark_implemented(by=request.user, account=note, link=link)
        else:
            page.withdraw(by=request.user, note=note, link=link)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(page.url + "#change-stage")
    messages.success(request, f"Now {page.get_stage_display().lower()}. The timeline shows it.")
    return redirect(page.url + "#timeline")


@require_POST
@login_required
def record_funding(request, table: str, recommendation: str):
    page = visible_recommendation(request, table, recommendation)
    form = FundingForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(page.url + "#funding")
    try:
        commitment = page.record_funding(by=request.user, **form.cleaned_data)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Recorded: {commitment}.")
    return redirect(page.url + "#funding")
