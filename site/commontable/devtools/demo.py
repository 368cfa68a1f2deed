"""Puts the demo content (``demo_content``) in the database: ``seed_demo``.

Everything is looked up by a natural key (slug or email) before it is made,
so seeding twice creates nothing twice. Dates are days from the first run's
today, so a fresh demo always has past convenings with minutes and upcoming
ones with agendas. Each recommendation's history is written out as it
happened, step by step and dated; every step goes through the model's own
methods, which refuse a move the stage rules do not allow, and is then given
the date it happened on: endorsements on the day of the convening that
endorsed, decisions after submission, funding after the decision.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from wagtail.models import Site

from commontable.accounts.models import User
from commontable.devtools.demo_content import (
    COMMUNITIES,
    DEMO_ACCOUNTS,
    MEMBERSHIPS,
    NEEDS,
    ORGANIZATIONS,
    PEER_REPORTING,
    PROVIDER,
    RECOMMENDATIONS,
    ROUND_TABLES,
    Convening,
    DemoAccount,
    DemoNeed,
)
from convenings.models import (
    Community,
    ConveningAttendance,
    ConveningPage,
    Corroboration,
    Membership,
    Need,
    Organization,
    Registration,
    RoundTableIndexPage,
    RoundTablePage,
    RoundTableRole,
)
from recommendations.models import (
    Endorsement,
    FundingCommitment,
    RecommendationPage,
    StageChange,
)
from recommendations.stages import DECISIONS


def agenda(*items):
    """Agenda stream data from (title, minutes, lead, description) tuples; None is a break."""
    stream = []
    for item in items:
        if item is None:
            stream.append(("pause", {"label": "Break and refreshments", "minutes": 15}))
        else:
            title, minutes, lead, description = item
            stream.append(
                (
                    "item",
                    {"title": title, "minutes": minutes, "lead": lead, "description": description},
                )
            )
    return stream


TABLE_ZONES = {spec["slug"]: spec["time_zone"] for spec in ROUND_TABLES}


def _local(days: int, zone: ZoneInfo, hour: int = 10) -> datetime:
    """A moment ``days`` from today, at ``hour`` o'clock in ``zone``."""
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour), tzinfo=zone)


def _find_or_make(model: type[models.Model], defaults: dict | None = None, **lookup):
    """Like ``get_or_create``, but saves outside an ``except`` block.

    Saving an indexed model enqueues tasks (search index, references), and the
    tasks framework logs whatever exception is being handled when a task ends:
    inside ``get_or_create``'s handled ``DoesNotExist``, every save would print
    a traceback. The seed runs in one transaction, so nothing races the lookup.
    """
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found, False
    return model.objects.create(**lookup, **(defaults or {})), True


@transaction.atomic
def seed_demo() -> bool:
    """Create whatever demo content is missing; return True if anything was made."""
    before = _footprint()
    # Links in emails and feeds point at the demo server.
    Site.objects.filter(is_default_site=True, hostname="localhost").update(
        hostname="127.0.0.1", port=8000
    )
    users = {account.email: _account(account) for account in DEMO_ACCOUNTS}
    for account in DEMO_ACCOUNTS:
        if account.authenticator_key:
            _authenticator(users[account.email], account.authenticator_key)
    communities = {
        slug: _find_or_make(Community, slug=slug, defaults={"name": name, "region": region})[0]
        for name, slug, region in COMMUNITIES
    }
    for slug, (name, url) in PEER_REPORTING.items():
        Community.objects.filter(slug=slug, peer_reporting_url="").update(
            peer_reporting_name=name, peer_reporting_url=url
        )
    organizations = {}
    for name, slug, kind, peer_led, community_slugs, description in ORGANIZATIONS:
        organization, created = _find_or_make(
            Organization,
            slug=slug,
            defaults={"name": name, "kind": kind, "peer_led": peer_led, "description": description},
        )
        if created:
            organization.communities.set([communities[c] for c in community_slugs])
        organizations[slug] = organization
    for email, org_slug, can_represent in MEMBERSHIPS:
        _find_or_make(
            Membership,
            user=users[email],
            organization=organizations[org_slug],
            defaults={"can_represent": can_represent},
        )
    index = RoundTableIndexPage.objects.get()
    for spec in ROUND_TABLES:
        _round_table(index, spec, communities, organizations, users)
    _needs(communities, organizations, users)
    _recommendations(organizations)
    return _footprint() != before


def _footprint() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            User,
            Authenticator,
            Organization,
            Membership,
            RoundTablePage,
            ConveningPage,
            RoundTableRole,
            Registration,
            Need,
            Corroboration,
            RecommendationPage,
            StageChange,
            Endorsement,
            FundingCommitment,
        )
    )


def _account(account: DemoAccount) -> User:
    user = User.objects.filter(email=account.email).first()
    if user is None:
        create = (
            User.objects.create_superuser
            if account.role == "administrator"
            else User.objects.create_user
        )
        user = create(account.email, account.password, display_name=account.display_name)
    _find_or_make(
        EmailAddress,
        user=user,
        email=account.email,
        defaults={"verified": True, "primary": True},
    )
    return user


def _authenticator(user: User, key: str) -> None:
    """Give the account a TOTP authenticator with the demo's published key."""
    _find_or_make(
        Authenticator,
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": get_mfa_adapter().encrypt(key)}},
    )


def _round_table(index, spec, communities, organizations, users) -> RoundTablePage:
    table = RoundTablePage.objects.filter(slug=spec["slug"]).first()
    if table is None:
        table = RoundTablePage(
            title=spec["title"],
            slug=spec["slug"],
            community=communities[spec["community"]],
            purpose=spec["purpose"],
            members_only=spec["members_only"],
        )
        table.member_organizations = [organizations[slug] for slug in spec["organizations"]]
        index.add_child(instance=table)
        table.save_revision().publish()
    for email in spec["facilitators"]:
        _find_or_make(
            RoundTableRole,
            round_table=table,
            user=users[email],
            defaults={"role": RoundTableRole.Role.FACILITATOR},
        )
    table.refresh_from_db()
    for number, convening in enumerate(spec["convenings"]):
        _convening(table, spec, convening, number, organizations, users)
    return table


def _minutes(table_slug: str, convening: Convening) -> str:
    """What a convening agreed: the recommendations endorsed there, then its own points."""
    endorsed = [
        (spec["title"],)
        for spec in RECOMMENDATIONS
        if spec["table"] == table_slug and ("endorse", convening.slug) in spec["history"]
    ]
    return format_html(
        "<p>Peers spoke first, then the table turned to {topic}. Nothing identifying is "
        "recorded.</p><h2>What we agreed</h2><ul>{endorsed}<li>{agreed}</li></ul>"
        "<h2>Follow-up</h2><p>The facilitator circulates a summary to members before the "
        "next convening.</p>",
        topic=convening.title[0].lower() + convening.title[1:],
        endorsed=format_html_join("", "<li>The table endorsed “{}”.</li>", endorsed),
        agreed=convening.agreed,
    )


def _convening(table, spec, convening: Convening, number, organizations, users) -> None:
    if ConveningPage.objects.filter(slug=convening.slug, round_table=table).exists():
        return
    zone = ZoneInfo(spec["time_zone"])
    starts_at = _local(convening.days, zone, convening.hour)
    past = convening.days < 0
    online = not convening.area
    page = ConveningPage(
        title=convening.title,
        slug=convening.slug,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=convening.hours),
        time_zone=spec["time_zone"],
        format=ConveningPage.Format.ONLINE if online else ConveningPage.Format.HYBRID,
        area=convening.area,
        address="" if online else "Community room, ask at the front desk (demo address)",
        online_link="https://meet.example.org/common-table-demo",
        capacity=convening.capacity,
        interpretation="ASL" if number % 2 == 0 else "",
        honoraria=True,
        childcare=number % 2 == 1,
        transit_support=True,
        accessibility_notes="Step-free entrance. A quiet room is available. Naloxone on site.",
        agenda=agenda(
            ("Welcome, land acknowledgement and community care agreement", 15, "Facilitator", ""),
            (
                "Peers first: what people are telling us",
                45,
                "Peer-led members",
                "<p>Members with lived experience speak first, without interruption.</p>",
            ),
            None,
            (
                convening.title,
                60,
                "Member organizations",
                "<p>Discussion and decisions, recorded without names.</p>",
            ),
            ("Next steps and who does what", 20, "Facilitator", ""),
        ),
        minutes=_minutes(spec["slug"], convening) if past else "",
    )
    if past:
        # Two to four people from each member organization, and a few who came
        # without one: within the room's capacity.
        page.attendance = [
            ConveningAttendance(organization=organizations[slug], people=2 + (number + i) % 3)
            for i, slug in enumerate(spec["organizations"])
        ] + [ConveningAttendance(organization=None, people=3)]
    table.add_child(instance=page)
    page.save_revision().publish()
    if not past:
        # Sam registers wherever the table expects them, for an organization of
        # theirs that sits at it.
        provider = users[PROVIDER]
        if page.may_register(provider):
            page.register(
                user=provider,
                organization=Organization.objects.filter(
                    memberships__user=provider, round_tables=table
                ).first(),
            )


def _needs(communities, organizations, users) -> None:
    """The needs each community's organizations posted, some raised at a convening."""
    poster = users[PROVIDER]
    posters_organizations = {slug for email, slug, _ in MEMBERSHIPS if email == PROVIDER}
    for community_slug, table_slug, needs in NEEDS:
        table = RoundTablePage.objects.filter(slug=table_slug).first() if table_slug else None
        for number, spec in enumerate(needs):
            _need(
                spec,
                number=number,
                community=communities[community_slug],
                table=table,
                organizations=organizations,
                posted_by=poster if spec.organization in posters_organizations else None,
            )


def _need(spec: DemoNeed, *, number, community, table, organizations, posted_by) -> None:
    organization = organizations[spec.organization]
    if Need.objects.filter(title=spec.title, organization=organization).exists():
        return
    if isinstance(spec.posted, str):
        convening = ConveningPage.objects.get(round_table=table, slug=spec.posted)
        created_at = convening.starts_at + timedelta(hours=1)
    else:
        convening = None
        zone = ZoneInfo(TABLE_ZONES[table.slug]) if table else timezone.get_current_timezone()
        created_at = _local(spec.posted, zone, 9 + number)
    visibility = Need.Visibility.MEMBERS if spec.members_only else Need.Visibility.PUBLIC
    need = Need(
        title=spec.title,
        organization=organization,
        who_is_affected=spec.who,
        community=community,
        urgency=spec.urgency,
        description=spec.description,
        evidence=spec.evidence,
        visibility=visibility,
        attribution=spec.credit,
        status=spec.status,
        round_table=table,
        convening=convening,
        posted_by=posted_by,
        created_at=created_at,
    )
    refusal = need.attribution_refusal(spec.credit)
    if refusal:
        raise ValueError(f"Demo need “{spec.title}”: {refusal}")
    need.save()
    need.tags.add(*spec.tags)
    for days, slug in enumerate(spec.corroborators, start=1):
        corroboration = Corroboration.objects.create(need=need, organization=organizations[slug])
        Corroboration.objects.filter(pk=corroboration.pk).update(
            created_at=min(created_at + timedelta(days=days), timezone.now())
        )


def _recommendations(organizations) -> None:
    for spec in RECOMMENDATIONS:
        table = RoundTablePage.objects.get(slug=spec["table"])
        if RecommendationPage.objects.filter(slug=spec["slug"], round_table=table).exists():
            continue
        _recommendation(table, spec, organizations)
    _link_agenda()


def _link_agenda() -> None:
    """The council brief convening discusses the recommendation going to council, and its need."""
    convening = ConveningPage.objects.filter(slug="council-brief-prep").first()
    recommendation = RecommendationPage.objects.filter(
        slug="decolonial-community-led-approach"
    ).first()
    if convening is None or recommendation is None:
        return
    if any(block.value.get("recommendations") for block in convening.agenda):
        return
    need = recommendation.needs.first()
    convening.agenda.append(
        (
            "item",
            {
                "title": "Indigenous-led safety planning: the council brief",
                "minutes": 30,
                "lead": "Lheidli Path Healing Circle",
                "description": "",
                "needs": [need] if need else [],
                "recommendations": [recommendation],
            },
        )
    )
    convening.save_revision().publish()


def _recommendation(table, spec, organizations) -> None:
    fields = {
        key: spec[key]
        for key in [
            "title",
            "slug",
            "summary",
            "action",
            "responsible_body",
            "decision_maker",
            "audience",
            "funding_source",
            "evidence",
            "what_exists",
            "success_measure",
        ]
    }
    zone = ZoneInfo(TABLE_ZONES[table.slug])
    page = RecommendationPage(**fields, cost_estimate=spec["cost_estimate"])
    page.needs = list(Need.objects.filter(round_table=table, title__in=spec.get("needs", [])))
    table.add_child(instance=page)
    page.save_revision().publish()
    facilitator = table.roles.filter(role=RoundTableRole.Role.FACILITATOR).first().user
    # The decision is recorded by someone who speaks for the decision-maker, as it
    # would be; the facilitator records it where that is not a government body.
    speaking_for = page.decision_makers().order_by("slug").first()
    decider = _representative(speaking_for) if speaking_for else facilitator
    drafted = last_move = _local(spec["drafted"], zone)
    for action, when, *details in spec["history"]:
        if action == "endorse":
            convening = ConveningPage.objects.get(round_table=table, slug=when)
            moved = convening.ends_at
            for slug in spec["endorsers"]:
                endorsement = page.endorse(
                    by=_representative(organizations[slug]),
                    organization=organizations[slug],
                    statement="We were at the table for this and we stand behind it.",
                )
                Endorsement.objects.filter(pk=endorsement.pk).update(
                    endorsed_on=moved.astimezone(zone).date()
                )
            change = page.endorse_at(convening, by=facilitator)
        else:
            moved = _local(when, zone)
            change = _step(page, action, moved, details, by=facilitator, decider=decider)
        if change is not None:
            StageChange.objects.filter(pk=change.pk).update(at=moved)
            last_move = moved
    RecommendationPage.objects.filter(pk=page.pk).update(
        first_published_at=drafted, stage_changed_at=last_move
    )


def _step(page, action, moved, details, *, by, decider) -> StageChange | None:
    """One step of a recommendation's history through the model; the stage change it made."""
    if action == "propose":
        return page.propose(by=by, note="Put before the table for discussion.")
    if action == "submit":
        return page.submit(by=by, note="Sent to the decision-maker with the clarity checklist.")
    if action in DECISIONS:
        (note,) = details
        return page.record_decision(
            action,
            by=decider,
            decided_on=moved.date(),
            link=f"https://example.org/decisions/{page.slug}",
            note=note,
        )
    if action == "fund":
        funder, amount, status, reference = details
        stage = page.stage
        commitment = page.record_funding(
            by=by,
            funder=funder,
            amount=Decimal(amount),
            committed_on=moved.date(),
            status=status,
            reference=reference.format(year=moved.year),
        )
        FundingCommitment.objects.filter(pk=commitment.pk).update(created_at=moved)
        # The first commitment moves an adopted recommendation to funded.
        return page.stage_changes.order_by("-pk").first() if page.stage != stage else None
    if action == "implemented":
        (account,) = details
        return page.mark_implemented(by=by, account=account)
    raise ValueError(f"The demo has no step called {action!r}.")


def _representative(organization) -> User:
    """Someone who can speak for the organization (a fictional person, made if needed)."""
    membership = Membership.objects.filter(organization=organization, can_represent=True).first()
    if membership is not None:
        return membership.user
    user = User.objects.create_user(
        f"{organization.slug}@representatives.example",
        None,
        display_name=f"Representative, {organization.name}",
    )
    Membership.objects.create(user=user, organization=organization, can_represent=True)
    return user
