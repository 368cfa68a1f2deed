"""Actions on a recommendation's page. Each parses a form, calls the model, goes back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from commontable.core.errors import ActionRefused
from commontable.core.pagination import paginate
from commontable.core.spreadsheets import CsvDownload
from recommendations.filters import RecommendationFilter
from recommendations.forms import (
    EndorsementForm,
    FollowForm,
    FollowFrequencyForm,
    FundingForm,
    StageForm,
    WithdrawEndorsementForm,
)
from recommendations.models import Follow, RecommendationPage
from recommendations.notifications import unsubscription_for_token


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
    try:
        page.take_stage_action(
            data["action"],
            by=request.user,
            seen_stage=data["seen_stage"],
            note=data["note"],
            link=data["link"],
            convening=data["convening"],
            decided_on=data["decided_on"],
        )
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


def filtered_recommendations(request) -> RecommendationFilter:
    """The shared filter over what this person may see; every listing and export uses it."""
    return RecommendationFilter(
        request.GET,
        queryset=RecommendationPage.objects.visible_to(request.user).for_listing(),
        user=request.user,
    )


def recommendation_list(request):
    """/recommendations/: browse, filter, search and sort every visible recommendation."""
    recommendations = filtered_recommendations(request)
    listing = paginate(request, recommendations.qs)
    return render(
        request,
        "recommendations/recommendation_list.html",
        {
            "filter": recommendations,
            "recommendations": listing["page_obj"].object_list,
            **listing,
        },
    )


CSV_COLUMNS = [
    ("id", lambda r: r.pk),
    ("title", lambda r: r.title),
    ("round_table", lambda r: r.round_table.title if r.round_table else ""),
    ("community", lambda r: r.round_table.community.name if r.round_table else ""),
    ("stage", lambda r: r.get_stage_display()),
    ("stage_changed_at", lambda r: r.stage_changed_at.isoformat()),
    (
        "first_published_at",
        lambda r: r.first_published_at.isoformat() if r.first_published_at else "",
    ),
    ("clarity_score", lambda r: r.clarity_score),
    ("summary", lambda r: r.summary),
    ("action", lambda r: r.action),
    ("responsible_body", lambda r: r.responsible_body),
    ("decision_maker", lambda r: r.get_decision_maker_display()),
    ("audience", lambda r: r.audience),
    ("cost_estimate_cad", lambda r: r.cost_estimate if r.cost_estimate is not None else ""),
    ("funding_source", lambda r: r.funding_source),
    ("committed_cad", lambda r: r.committed),
    ("evidence", lambda r: r.evidence),
    ("what_exists", lambda r: r.what_exists),
    ("success_measure", lambda r: r.success_measure),
    ("decision_date", lambda r: r.decision_date.isoformat() if r.decision_date else ""),
    ("decision_link", lambda r: r.decision_link),
]


def recommendation_csv(request):
    """/recommendations/export.csv: the same filters, one row per recommendation."""
    recommendations = filtered_recommendations(request)
    if not recommendations.is_valid():
        return HttpResponseBadRequest(
            "Unknown filter values: " + ", ".join(recommendations.errors), content_type="text/plain"
        )
    download = CsvDownload("recommendations.csv", ["url", *(name for name, _ in CSV_COLUMNS)])
    for recommendation in recommendations.qs:
        download.row(
            [
                request.build_absolute_uri(recommendation.get_url(request=request)),
                *(value(recommendation) for _, value in CSV_COLUMNS),
            ]
        )
    return download.response


def recommendation_list_brief(request):
    """/recommendations/brief/: a printable council brief of a filtered list."""
    recommendations = filtered_recommendations(request)
    items = list(recommendations.qs[:50])
    return render(
        request,
        "recommendations/list_brief.html",
        {
            "filter": recommendations,
            "recommendations": items,
            "checklists": {r.pk: r.clarity_checklist() for r in items},
            "generated_at": timezone.now(),
        },
    )


def recommendation_brief(request, table: str, recommendation: str):
    """The printable council brief of one recommendation."""
    page = visible_recommendation(request, table, recommendation)
    listed = RecommendationPage.objects.for_listing().get(pk=page.pk)
    return render(
        request,
        "recommendations/brief.html",
        {
            "page": page,
            "recommendation": listed,
            "checklist": page.clarity_checklist(),
            "timeline": page.stage_changes.select_related("by"),
            "endorsements": page.endorsements.select_related("organization"),
            "ledger": page.funding_commitments.all(),
            "progress": page.funding_progress(listed.committed),
            "generated_at": timezone.now(),
        },
    )


def follow_target(user, kind: str, target: str):
    """The thing to follow, if it exists and this person may see it; otherwise None.

    A hidden thing and a missing one both give None, so the answer is the same
    ("nothing by that name").
    """
    followable = Follow.objects.followable(user, kind)
    if kind == Follow.Kind.TAG:
        return followable.filter(slug=target).first()
    # Only an id: digits, and no more than any id can be (SQLite cannot compare more).
    if not target.isdecimal() or not target.isascii() or int(target) > 2**63 - 1:
        return None
    return followable.filter(pk=target).first()


@require_POST
@login_required
def follow(request):
    """Follow a recommendation, round table, community or tag."""
    form = FollowForm(request.POST)
    back = request.POST.get("next", "")
    # A path on this site only: anything else (a bare word would be looked up as a URL
    # name by ``redirect``) goes back to the follows page.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        back = reverse("follows")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    kind = form.cleaned_data["kind"]
    target = follow_target(request.user, kind, form.cleaned_data["target"])
    if target is None:
        messages.error(request, "There is nothing by that name to follow.")
        return redirect(back)
    Follow.objects.update_or_create(
        user=request.user,
        kind=kind,
        **{kind: target},
        defaults={"frequency": form.cleaned_data["frequency"]},
    )
    messages.success(
        request,
        f"You follow {target}. You will hear about stage changes, funding and new convenings.",
    )
    return redirect(back)


@login_required
def follows(request):
    """Your follows, with a way to stop each or change how often it sends.

    What you can no longer see is not named.
    """
    follows = request.user.follows.with_availability(request.user).select_related(
        "recommendation", "round_table", "community", "tag"
    )
    rows = [
        (
            follow,
            FollowFrequencyForm(
                initial={"frequency": follow.frequency}, auto_id=f"follow-{follow.pk}-%s"
            ),
        )
        for follow in follows
    ]
    return render(request, "recommendations/follows.html", {"follows": rows})


@require_POST
@login_required
def unfollow(request, pk: int):
    if request.user.follows.filter(pk=pk).stop():
        messages.success(request, "You no longer follow it.")
    else:
        messages.error(request, "You were not following that.")
    return redirect("follows")


@require_POST
@login_required
def change_follow_frequency(request, pk: int):
    """Hear about one follow at once or in the weekly digest; news already waiting stays put."""
    form = FollowFrequencyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("follows")
    frequency = form.cleaned_data["frequency"]
    if not request.user.follows.filter(pk=pk).update(frequency=frequency):
        messages.error(request, "You were not following that.")
        return redirect("follows")
    messages.success(request, f"Changed: {Follow.Frequency(frequency).label.lower()}.")
    return redirect("follows")


@csrf_exempt
def unsubscribe(request, token: str):
    """One-click unsubscribe from a signed link, no sign-in needed (RFC 8058 POST too).

    GET shows a one-button page (mail scanners follow links; they must not
    unsubscribe anyone); POST stops what the link names: the one follow its
    email was about or, for a link naming only a person, every follow.
    """
    unsubscription = unsubscription_for_token(token)
    if unsubscription is None:
        return render(request, "recommendations/unsubscribe.html", {"invalid": True}, status=400)
    context = {
        "token": token,
        "one_follow": unsubscription.follow_id is not None,
        "follows": list(unsubscription.follows()),
    }
    if request.method == "POST":
        unsubscription.stop()
        context["done"] = True
    return render(request, "recommendations/unsubscribe.html", context)
