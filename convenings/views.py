"""Views outside the page tree: calendars, registration, facilitators' actions, needs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from commontable.core import ratelimit
from commontable.core.errors import ActionRefused
from commontable.core.pagination import paginate
from commontable.core.spreadsheets import CsvDownload
from convenings.calendar import calendar_response
from convenings.filters import NeedFilter
from convenings.forms import (
    AttendanceForm,
    ConveningForm,
    CorroborationForm,
    NeedEditForm,
    NeedForm,
    RegistrationForm,
)
from convenings.models import ConveningPage, Need, Organization, RoundTablePage


def round_table_calendar(request, table: str):
    """/round-tables/<table>/calendar.ics: the table's convenings this reader may see."""
    round_table = get_object_or_404(RoundTablePage.objects.visible_to(request.user), slug=table)
    convenings = (
        ConveningPage.objects.visible_to(request.user)
        .filter(round_table=round_table)
        .order_by("starts_at")
    )
    return calendar_response(convenings, name=round_table.title, filename=table)


def visible_convening(request, table: str, convening: str) -> ConveningPage:
    """The convening at this address, or 404 if it is not there for this reader."""
    return get_object_or_404(
        ConveningPage.objects.visible_to(request.user).select_related("round_table"),
        round_table__slug=table,
        slug=convening,
    )


def convening_calendar(request, table: str, convening: str):
    """/round-tables/<table>/<convening>/calendar.ics: one convening."""
    page = visible_convening(request, table, convening)
    return calendar_response([page], name=page.title, filename=f"{table}-{convening}")


@require_POST
@login_required
def register(request, table: str, convening: str):
    """Register the signed-in member for a convening, then go back to its page."""
    page = visible_convening(request, table, convening)
    form = RegistrationForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(page.url)
    try:
        page.register(
            user=request.user,
            organization=form.cleaned_data["organization"],
            anonymous=form.cleaned_data["anonymous"],
        )
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "You are registered. The meeting details are below.")
    return redirect(page.url)


@require_POST
@login_required
def cancel_registration(request, table: str, convening: str):
    """Cancel the signed-in member's registration."""
    page = visible_convening(request, table, convening)
    try:
        page.cancel_registration(user=request.user)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, "Your registration is cancelled. Your place is free for someone else."
        )
    return redirect(page.url)


def visible_round_table(request, table: str) -> RoundTablePage:
    """The round table at this address, or 404 if it is not there for this reader."""
    return get_object_or_404(RoundTablePage.objects.visible_to(request.user), slug=table)


def facilitators_only(request, round_table: RoundTablePage):
    """The 403 page for people who may see a table but do not facilitate it."""
    return render(
        request, "convenings/facilitators_only.html", {"round_table": round_table}, status=403
    )


@login_required
def convening_create(request, table: str):
    """/round-tables/<table>/convenings/new/: a facilitator schedules and publishes a convening."""
    round_table = visible_round_table(request, table)
    if not round_table.may_schedule_convening(request.user):
        return facilitators_only(request, round_table)
    form = ConveningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            convening = round_table.schedule_convening(by=request.user, **form.cleaned_data)
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"“{convening.title}” is scheduled and published.")
            return redirect(convening.url)
    return render(
        request, "convenings/convening_form.html", {"form": form, "round_table": round_table}
    )


@login_required
def convening_attendance(request, table: str, convening: str):
    """/round-tables/<table>/<convening>/attendance/: a facilitator records who came and minutes."""
    page = visible_convening(request, table, convening)
    if not page.may_record_attendance(request.user):
        return facilitators_only(request, page.round_table)
    form = AttendanceForm(request.POST or None, convening=page)
    if request.method == "POST" and form.is_valid():
        try:
            page.record_attendance(
                by=request.user,
                rows=form.rows(),
                minutes=form.changed_minutes(),
                seen_revision=form.cleaned_data["seen_revision"],
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Attendance and minutes are saved and published.")
            return redirect(page.url)
    return render(
        request,
        "convenings/convening_attendance_form.html",
        {"form": form, "convening": page, "round_table": page.round_table},
    )


def need_list(request):
    """/needs/: the needs this reader may see, filtered, searched, sorted and paged."""
    needs = Need.objects.visible_to(request.user).for_listing()
    needs_filter = NeedFilter(request.GET, queryset=needs, user=request.user)
    listing = paginate(request, needs_filter.qs)
    return render(
        request,
        "convenings/need_list.html",
        {"filter": needs_filter, "needs": listing["page_obj"].object_list, **listing},
    )


NEED_CSV_COLUMNS = [
    ("id", lambda n: n.pk),
    ("title", lambda n: n.title),
    ("community", lambda n: n.community.name),
    ("round_table", lambda n: n.shown_round_table.title if n.shown_round_table else ""),
    ("convening", lambda n: n.shown_convening.title if n.shown_convening else ""),
    ("urgency", lambda n: n.get_urgency_display()),
    ("status", lambda n: n.get_status_display()),
    ("visibility", lambda n: n.get_visibility_display()),
    ("credited_to", lambda n: n.credited_to),
    ("corroborations", lambda n: n.weight),
    ("tags", lambda n: ", ".join(sorted(tag.name for tag in n.tags.all()))),
    ("who_is_affected", lambda n: n.who_is_affected),
    ("description", lambda n: n.description),
    ("evidence", lambda n: n.evidence),
    ("created_at", lambda n: n.created_at.isoformat()),
]


def need_csv(request):
    """/needs/export.csv: the needs board's filters, one row per need this reader may see."""
    needs = (
        Need.objects.visible_to(request.user)
        .for_listing()
        .with_visible_context(request.user)
        .select_related("round_table", "convening")
    )
    needs_filter = NeedFilter(request.GET, queryset=needs, user=request.user)
    if not needs_filter.is_valid():
        return HttpResponseBadRequest(
            "Unknown filter values: " + ", ".join(needs_filter.errors), content_type="text/plain"
        )
    download = CsvDownload("needs.csv", ["url", *(name for name, _ in NEED_CSV_COLUMNS)])
    for need in needs_filter.qs:
        download.row(
            [
                request.build_absolute_uri(need.get_absolute_url()),
                *(value(need) for _, value in NEED_CSV_COLUMNS),
            ]
        )
    return download.response


def visible_need(request, pk: int) -> Need:
    """The need, or 404 when it does not exist or is not for this reader's eyes."""
    return get_object_or_404(
        Need.objects.visible_to(request.user)
        .for_listing()
        .with_visible_context(request.user)
        .select_related("round_table", "convening"),
        pk=pk,
    )


def need_detail(request, pk: int):
    """/needs/<id>/: the need, its attribution, corroborations and what took it up."""
    need = visible_need(request, pk)
    corroborations = need.corroborations.select_related("organization")
    counted = {c.organization_id for c in corroborations}
    my_organizations = list(Organization.objects.of(request.user))
    return render(
        request,
        "convenings/need_detail.html",
        {
            "need": need,
            "corroborations": corroborations,
            "may_edit": need.may_edit(request.user),
            "may_corroborate": [
                o for o in my_organizations if o.pk not in counted and o.pk != need.organization_id
            ],
            "may_withdraw": [o for o in my_organizations if o.pk in counted],
            # The reverse relation's manager belongs to the recommendations app,
            # so the dependency keeps pointing one way.
            "recommendations": need.recommendations.visible_to(request.user),
            "discussed_at": ConveningPage.objects.visible_to(request.user).discussing(need),
        },
    )


@login_required
def need_create(request):
    """/needs/new/: post a need for one of your organizations."""
    if not request.user.memberships.exists():
        return render(request, "convenings/need_no_organization.html", status=403)
    form = NeedForm(request.POST or None, user=request.user)
    # A post that may describe violence is shown the safety prompt first, unsaved.
    if request.method == "POST" and form.is_valid() and not form.needs_safety_prompt():
        try:
            ratelimit.consume("post_need", key=str(request.user.pk))
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            with transaction.atomic():  # the need and its tags, or nothing
                need = form.save(commit=False)
                need.posted_by = request.user
                need.save()
                form.save_m2m()
            messages.success(request, "Your need is posted.")
            return redirect(need)
    return render(
        request, "convenings/need_form.html", {"form": form, "creating": True, **safety(form)}
    )


def safety(form: NeedForm) -> dict:
    """The need form's safety prompt: whether it shows, and whose reporting option."""
    if not form.needs_safety_prompt():
        return {"safety_prompt": False}
    return {"safety_prompt": True, "reporting_community": form.safety_prompt_community()}


@login_required
def need_edit(request, pk: int):
    """/needs/<id>/edit/: the poster and facilitators edit and change status."""
    need = visible_need(request, pk)
    if not need.may_edit(request.user):
        raise Http404
    form = NeedEditForm(request.POST or None, instance=need, user=request.user)
    if request.method == "POST" and form.is_valid() and not form.needs_safety_prompt():
        with transaction.atomic():
            form.save()
        messages.success(request, "Your changes are saved.")
        return redirect(need)
    return render(
        request, "convenings/need_form.html", {"form": form, "need": need, **safety(form)}
    )


@require_POST
@login_required
def need_corroborate(request, pk: int):
    """Corroborate a need on behalf of one of your organizations."""
    need = visible_need(request, pk)
    form = CorroborationForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose one of your organizations.")
        return redirect(need)
    organization = form.cleaned_data["organization"]
    try:
        ratelimit.consume("corroborate", key=str(request.user.pk))
        need.corroborate(by=request.user, organization=organization)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Counted: {organization} sees this need too.")
    return redirect(need)


@require_POST
@login_required
def need_withdraw(request, pk: int):
    """Withdraw an organization's corroboration."""
    need = visible_need(request, pk)
    form = CorroborationForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose one of your organizations.")
        return redirect(need)
    try:
        need.withdraw_corroboration(by=request.user, organization=form.cleaned_data["organization"])
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The corroboration is withdrawn.")
    return redirect(need)
