"""The personal data this app keeps: memberships, roles, registrations, needs, corroborations.

Registered in the site's personal-data registry (``commontable.core.personal_data_registry``)
when the app loads. Needs and corroborations speak for organizations, so
deleting an account keeps them for the organization and takes the person's
name off them.

What an export shows follows the one visibility rule, as every page does:
a person keeps their own words and facts (what they wrote, for
whom, when they registered or cancelled) but not the context they can no
longer see. A registration for a convening that has moved out of their sight
says "a convening you can no longer see", without its title, time or place; a
need of theirs at a table they left keeps its words but not the table's name.
"""

from django.db.models import Count, Exists, OuterRef

from commontable.core.personal_data_registry import PersonalData, registry
from convenings.models import (
    ConveningPage,
    Corroboration,
    Membership,
    Need,
    Registration,
    RoundTablePage,
    RoundTableRole,
)


def export_memberships(user) -> list[dict]:
    return [
        {
            "organization": membership.organization.name,
            "can_represent": membership.can_represent,
            "since": membership.created_at,
        }
        for membership in Membership.objects.filter(user=user).select_related("organization")
    ]


def export_roles(user) -> list[dict]:
    return [
        {
            "round_table": role.round_table.title,
            "role": role.get_role_display(),
            "since": role.created_at,
        }
        for role in RoundTableRole.objects.filter(user=user).select_related("round_table")
    ]


def sole_facilitator_notices(user) -> list[str]:
    """The tables this person facilitates alone: they keep running, but need a new facilitator."""
    facilitated = RoundTableRole.objects.facilitators().of(user)
    alone = (
        RoundTableRole.objects.facilitators()
        .filter(round_table__in=facilitated.values("round_table"))
        .values("round_table")
        .annotate(facilitators=Count("pk"))
        .filter(facilitators=1)
        .values("round_table")
    )
    return [
        f"You are the only facilitator of {table.title}. The table keeps running without "
        "you: its pages, convenings, needs and recommendations stay, and a site "
        "administrator can name a new facilitator. If you can, ask someone to take over first."
        for table in RoundTablePage.objects.filter(pk__in=alone).order_by("title")
    ]


CONVENING_NOT_VISIBLE = "a convening you can no longer see"
NEED_NOT_VISIBLE = "a need you can no longer see"


def export_registrations(user) -> list[dict]:
    registrations = list(
        Registration.objects.filter(user=user).select_related("convening", "organization")
    )
    visible = set(
        ConveningPage.objects.visible_to(user)
        .filter(pk__in=[registration.convening_id for registration in registrations])
        .values_list("pk", flat=True)
    )
    return [
        {
            **(
                {
                    "convening": registration.convening.title,
                    "starts": registration.convening.starts_at,
                }
                if registration.convening_id in visible
                else {"convening": CONVENING_NOT_VISIBLE, "starts": None}
            ),
            "organization": registration.organization.name if registration.organization else None,
            "anonymous": registration.anonymous,
            "registered": registration.created_at,
            "cancelled": registration.cancelled_at,
        }
        for registration in registrations
    ]


def export_needs(user) -> list[dict]:
    return [
        {
            "title": need.title,
            "description": need.description,
            "who_is_affected": need.who_is_affected,
            "community": need.community.name,
            "organization": need.organization.name,
            "attribution": need.get_attribution_display(),
            "credited_to": need.credited_to,
            "visibility": need.get_visibility_display(),
            "urgency": need.get_urgency_display(),
            "status": need.get_status_display(),
            "evidence": need.evidence,
            "tags": [tag.name for tag in need.tags.all()],
            "round_table": need.shown_round_table.title if need.shown_round_table else None,
            "posted": need.created_at,
            "address": need.get_absolute_url(),
        }
        for need in Need.objects.filter(posted_by=user)
        .with_visible_context(user)
        .select_related("community", "organization", "round_table", "convening", "posted_by")
        .prefetch_related("tags")
    ]


def erase_needs(user) -> None:
    # A need credited to the person by name is credited to the organization instead.
    Need.objects.filter(posted_by=user, attribution=Need.Attribution.PERSON).update(
        attribution=Need.Attribution.ORGANIZATION
    )
    Need.objects.filter(posted_by=user).update(posted_by=None)


def export_corroborations(user) -> list[dict]:
    visible = Need.objects.visible_to(user).filter(pk=OuterRef("need"))
    return [
        {
            "need": corroboration.need.title if corroboration.need_visible else NEED_NOT_VISIBLE,
            "organization": corroboration.organization.name,
            "corroborated": corroboration.created_at,
        }
        for corroboration in Corroboration.objects.filter(user=user)
        .annotate(need_visible=Exists(visible))
        .select_related("need", "organization")
    ]


registry.register(
    PersonalData(
        key="memberships",
        label="Your memberships of organizations, and whether you may speak for them",
        covers=("convenings.Membership.user",),
        export=export_memberships,
        erase=lambda user: Membership.objects.filter(user=user).delete(),
    )
)
registry.register(
    PersonalData(
        key="round_table_roles",
        label="Your roles on round tables (facilitator or member)",
        covers=("convenings.RoundTableRole.user",),
        export=export_roles,
        erase=lambda user: RoundTableRole.objects.filter(user=user).delete(),
        notices=sole_facilitator_notices,
    )
)
registry.register(
    PersonalData(
        key="registrations",
        label="Your registrations to convenings",
        covers=("convenings.Registration.user",),
        export=export_registrations,
        erase=lambda user: Registration.objects.filter(user=user).delete(),
    )
)
registry.register(
    PersonalData(
        key="needs_posted",
        label="Needs you posted",
        kept=(
            "Kept for your organization, with your name taken off: a need you chose to "
            "credit to your name is credited to the organization instead."
        ),
        covers=("convenings.Need.posted_by",),
        export=export_needs,
        erase=erase_needs,
    )
)
registry.register(
    PersonalData(
        key="corroborations",
        label="Needs you corroborated for your organizations",
        kept="Kept: they count for the organization, with no record of who clicked.",
        covers=("convenings.Corroboration.user",),
        export=export_corroborations,
        erase=lambda user: Corroboration.objects.filter(user=user).update(user=None),
    )
)
