"""The personal data this app keeps: memberships, roles, registrations, needs, corroborations.

Registered in the site's personal-data registry (``commontable.personal_data``)
when the app loads. Needs and corroborations speak for organizations, so
deleting an account keeps them for the organization and takes the person's
name off them (DESIGN §6).
"""

from django.db.models import Count

from commontable.personal_data import PersonalData, registry
from convenings.models import (
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
    facilitated = RoundTableRole.objects.filter(user=user, role=RoundTableRole.Role.FACILITATOR)
    alone = (
        RoundTableRole.objects.filter(
            round_table__in=facilitated.values("round_table"),
            role=RoundTableRole.Role.FACILITATOR,
        )
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


def export_registrations(user) -> list[dict]:
    return [
        {
            "convening": registration.convening.title,
            "starts": registration.convening.starts_at,
            "organization": registration.organization.name if registration.organization else None,
            "anonymous": registration.anonymous,
            "registered": registration.created_at,
        }
        for registration in Registration.objects.filter(user=user).select_related(
            "convening", "organization"
        )
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
            "round_table": need.round_table.title if need.round_table else None,
            "posted": need.created_at,
            "address": need.get_absolute_url(),
        }
        for need in Need.objects.filter(posted_by=user)
        .select_related("community", "organization", "round_table", "posted_by")
        .prefetch_related("tags")
    ]


def erase_needs(user) -> None:
    # A need credited to the person by name is credited to the organization instead.
    Need.objects.filter(posted_by=user, attribution=Need.Attribution.PERSON).update(
        attribution=Need.Attribution.ORGANIZATION
    )
    Need.objects.filter(posted_by=user).update(posted_by=None)


def export_corroborations(user) -> list[dict]:
    return [
        {
            "need": corroboration.need.title,
            "organization": corroboration.organization.name,
            "corroborated": corroboration.created_at,
        }
        for corroboration in Corroboration.objects.filter(user=user).select_related(
            "need", "organization"
        )
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
