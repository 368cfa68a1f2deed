"""Demo content: real BC places, fictional organizations and people.

Everything is looked up by a natural key (slug or email) before it is made,
so seeding twice creates nothing twice. Dates are set relative to the first
run, so a fresh demo always has past convenings with minutes and upcoming
ones with agendas.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from commontable.models import User
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
from recommendations.models import DecisionMaker, RecommendationPage, StageChange


@dataclass(frozen=True)
class DemoAccount:
    """A fictional person to sign in as.

    Administrators and facilitators must use an authenticator app (DESIGN §6),
    so their accounts come with a TOTP key, printed by the demo command: add it
    to any authenticator app to get the codes sign-in asks for.
    """

    role: str
    email: str
    password: str
    display_name: str
    authenticator_key: str = ""


DEMO_ACCOUNTS = [
    DemoAccount(
        "administrator",
        "admin@commontable.example",
        "demo-admin-table",
        "Site admin",
        authenticator_key="COMMONTABLEDEMOADMINISTRATORKEY2",
    ),
    DemoAccount(
        "facilitator",
        "facilitator@commontable.example",
        "demo-facilitate",
        "Rowan (facilitator)",
        authenticator_key="COMMONTABLEDEMOFACILITATORKEY234",
    ),
    DemoAccount(
        "provider", "provider@commontable.example", "demo-provider-needs", "Sam (outreach)"
    ),
    DemoAccount(
        "councillor", "councillor@commontable.example", "demo-councillor", "Councillor Ash"
    ),
    # Jules facilitates the members-only Vancouver table.
    DemoAccount(
        "peer",
        "peer@commontable.example",
        "demo-peer-voice",
        "Jules (peer worker)",
        authenticator_key="COMMONTABLEDEMOPEERWORKERKEY2345",
    ),
]

COMMUNITIES = [
    ("Prince George", "prince-george", "Northern BC"),
    ("Vancouver", "vancouver", "Metro Vancouver"),
    ("Victoria", "victoria", "Vancouver Island"),
    ("Okanagan", "okanagan", "Southern Interior"),
    ("Burnaby", "burnaby", "Metro Vancouver"),
    ("North East BC", "north-east-bc", "Peace River region"),
    ("Province-wide", "province-wide", "British Columbia"),
]

# Each community's peer-run way to report violence by a client or an aggressor,
# shown by the safety prompt. Fictional, on the reserved .example domain.
PEER_REPORTING = {
    "prince-george": ("Northern Bad Date Line", "https://bad-date-line.example/prince-george"),
    "vancouver": ("Metro Peer Bad Date Reports", "https://metro-peer-safety.example/report"),
    "victoria": ("Island Peer Safety Line", "https://island-peer-safety.example/"),
    "okanagan": ("Valley Bad Date Sheet", "https://valley-bad-dates.example/"),
    "burnaby": ("Metro Peer Bad Date Reports", "https://metro-peer-safety.example/report"),
    "north-east-bc": ("Peace Region Peer Alert", "https://peace-peer-alert.example/"),
    "province-wide": ("BC Peer Bad Date Network", "https://bc-peer-bad-dates.example/"),
}

K = Organization.Kind
# (name, slug, kind, peer_led, community slugs, description)
ORGANIZATIONS = [
    (
        "Nechako Street Outreach Society",
        "nechako-outreach",
        K.FRONTLINE,
        False,
        ["prince-george"],
        "Street outreach, drop-in meals and harm-reduction supplies in downtown Prince George.",
    ),
    (
        "Northern Peer Power Collective",
        "northern-peer-power",
        K.PEER_LED,
        True,
        ["prince-george"],
        "Sex workers and people who use drugs organizing for safety and dignity in the north.",
    ),
    (
        "Lheidli Path Healing Circle",
        "healing-circle",
        K.INDIGENOUS,
        False,
        ["prince-george"],
        "An Indigenous-led circle offering land-based healing and cultural support.",
    ),
    (
        "Nechako Crossing Municipal Liaison Office",
        "municipal-liaison-pg",
        K.MUNICIPAL,
        False,
        ["prince-george"],
        "A fictional city office that brings council business to the table.",
    ),
    (
        "Harbourside Peer Network",
        "harbourside-peers",
        K.PEER_LED,
        True,
        ["vancouver"],
        "A sex-worker-led network sharing safety information and peer support.",
    ),
    (
        "Strathcona Women's Safe Space Society",
        "safe-space-society",
        K.FRONTLINE,
        False,
        ["vancouver", "burnaby"],
        "Overnight drop-in and advocacy for women and gender-diverse people.",
    ),
    (
        "False Creek Social Policy Desk",
        "social-policy-desk",
        K.MUNICIPAL,
        False,
        ["vancouver"],
        "A fictional municipal social-policy team.",
    ),
    (
        "Island Survivors' Support Centre",
        "island-survivors",
        K.FRONTLINE,
        False,
        ["victoria"],
        "Sexual-assault support, accompaniment and a 24-hour line.",
    ),
    (
        "Capital Region Peer Workers' Union",
        "peer-workers-union",
        K.UNION,
        False,
        ["victoria"],
        "Organizing peer support workers for fair pay and safe workplaces.",
    ),
    (
        "Okanagan Harm Reduction Peers",
        "okanagan-peers",
        K.PEER_LED,
        True,
        ["okanagan"],
        "People with lived and living experience running overdose-prevention outreach.",
    ),
    (
        "Valley Legal Advocates",
        "valley-legal",
        K.ADVOCACY,
        False,
        ["okanagan", "province-wide"],
        "Legal information and advocacy on housing, policing and human rights.",
    ),
    (
        "Peace Region Outreach Network",
        "peace-outreach",
        K.FRONTLINE,
        False,
        ["north-east-bc"],
        "Outreach across Fort St. John, Dawson Creek and the camps between.",
    ),
    (
        "Burnaby Youth and Families Drop-in",
        "burnaby-drop-in",
        K.FRONTLINE,
        False,
        ["burnaby"],
        "A drop-in for youth and families, with a peer navigator program.",
    ),
    (
        "Metro Peer Support Alliance",
        "metro-peer-alliance",
        K.PEER_LED,
        True,
        ["burnaby", "vancouver"],
        "An alliance of peer-led groups across Metro Vancouver.",
    ),
    (
        "BC Community Safety Foundation",
        "safety-foundation",
        K.FUNDER,
        False,
        ["province-wide"],
        "A fictional foundation funding community-led safety work.",
    ),
    (
        "Provincial Gender Equity Liaison",
        "gender-equity-liaison",
        K.PROVINCIAL,
        False,
        ["province-wide"],
        "A fictional provincial liaison office.",
    ),
]

# Which demo person belongs where: (email, organization slug, can_represent)
MEMBERSHIPS = [
    ("facilitator@commontable.example", "nechako-outreach", True),
    ("provider@commontable.example", "nechako-outreach", True),
    ("provider@commontable.example", "safe-space-society", False),
    ("councillor@commontable.example", "municipal-liaison-pg", True),
    ("peer@commontable.example", "northern-peer-power", True),
    ("peer@commontable.example", "harbourside-peers", True),
]


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


# Each table: slug, title, community, purpose, member org slugs, members_only,
# time zone, facilitator emails, convenings as (slug, title, days from now,
# start hour, hours, area, details).
ROUND_TABLES = [
    {
        "slug": "prince-george",
        "title": "Prince George Round Table on Safety and Dignity",
        "community": "prince-george",
        "purpose": (
            "<p>Frontline and peer-led organizations in Prince George meet monthly to name "
            "what people need to be safe, and to bring specific, costed proposals to council.</p>"
            "<h2>Terms of reference</h2><ul><li>Peers with lived experience chair every "
            "second meeting.</li><li>Nothing goes to council without a peer-led "
            "organization's sign-off.</li><li>We decide by consensus, and record dissent.</li></ul>"
        ),
        "organizations": [
            "nechako-outreach",
            "northern-peer-power",
            "healing-circle",
            "municipal-liaison-pg",
        ],
        "members_only": False,
        "time_zone": "America/Vancouver",
        "facilitators": ["facilitator@commontable.example"],
        "convenings": [
            ("winter-planning", "Winter safety planning", -60, 13, 2.5, "Downtown Prince George"),
            (
                "bad-date-reporting",
                "Bad date reporting in the north",
                -25,
                13,
                2,
                "Downtown Prince George",
            ),
            (
                "council-brief-prep",
                "Preparing the council brief",
                12,
                13,
                2.5,
                "Downtown Prince George",
            ),
            (
                "spring-convening",
                "Spring convening: housing and outreach",
                40,
                10,
                3,
                "Downtown Prince George",
            ),
        ],
    },
    {
        "slug": "okanagan",
        "title": "Okanagan Harm Reduction Round Table",
        "community": "okanagan",
        "purpose": (
            "<p>Peers, outreach teams and legal advocates across the valley working on "
            "overdose prevention, safe supply and housing without displacement.</p>"
        ),
        "organizations": ["okanagan-peers", "valley-legal"],
        "members_only": False,
        "time_zone": "America/Vancouver",
        "facilitators": ["facilitator@commontable.example"],
        "convenings": [
            ("drug-checking", "Drug checking across the valley", -45, 18, 2, "Kelowna (central)"),
            (
                "encampment-response",
                "Encampment response without displacement",
                -14,
                18,
                2,
                "Kelowna (central)",
            ),
            ("peer-pay-standards", "Peer pay standards", 20, 18, 2, ""),
        ],
    },
    {
        "slug": "vancouver-peer-workers",
        "title": "Vancouver Peer Workers' Round Table",
        "community": "vancouver",
        "purpose": (
            "<p>A members-only table where sex-worker-led and peer organizations plan "
            "together before bringing proposals to the wider community.</p>"
        ),
        "organizations": ["harbourside-peers", "safe-space-society", "metro-peer-alliance"],
        "members_only": True,
        "time_zone": "America/Vancouver",
        "facilitators": ["peer@commontable.example"],
        "convenings": [
            ("safety-planning", "Member safety planning", -30, 17, 2, "East Vancouver"),
            ("aggressor-alerts", "Aggressor alerts that reach people", -8, 17, 2, "East Vancouver"),
            ("funding-strategy", "Funding strategy for peer work", 15, 17, 2, "East Vancouver"),
        ],
    },
    {
        "slug": "north-east-bc",
        "title": "North East BC Outreach Round Table",
        "community": "north-east-bc",
        "purpose": (
            "<p>Outreach workers from Fort St. John to Dawson Creek on what people in camps "
            "and small towns need. Times are Mountain Standard Time, all year.</p>"
        ),
        "organizations": ["peace-outreach"],
        "members_only": False,
        "time_zone": "America/Dawson_Creek",
        "facilitators": ["facilitator@commontable.example"],
        "convenings": [
            ("camp-outreach", "Outreach to work camps", -20, 11, 2, "Fort St. John"),
            ("transport-gaps", "Transport gaps between towns", -5, 11, 2, "Dawson Creek"),
            ("winter-shelter", "Winter shelter coordination", 25, 11, 2, "Fort St. John"),
        ],
    },
]

MINUTES = (
    "<p>{count} organizations took part. The table reviewed actions from last time and "
    "heard from peers first.</p><h2>What we agreed</h2><ul><li>Gather service data on "
    "unmet requests before the next convening.</li><li>Draft a specific, costed proposal "
    "with a named responsible body.</li><li>Ask the municipal liaison which council "
    "meeting can receive it.</li></ul><h2>Follow-up</h2><p>The facilitator circulates a "
    "summary to members; nothing identifying is recorded.</p>"
)


U = Need.Urgency
# Needs: (title, who is affected, urgency, tags, description, evidence)
NEED_TEMPLATES = [
    (
        "Overnight drop-in space for women and gender-diverse people",
        "Women and gender-diverse people doing survival sex work overnight",
        U.URGENT,
        ["safety", "shelter"],
        "There is nowhere warm and safe to go between midnight and 7 a.m. People stay in cars "
        "or with bad dates because the shelter is full or unsafe for them.",
        "Outreach logged 212 requests for a safe place overnight last winter that we "
        "could not meet.",
    ),
    (
        "Peer-run bad date reporting that reaches the north",
        "Sex workers outside the Lower Mainland",
        U.URGENT,
        ["safety", "bad date reporting"],
        "Bad date alerts reach the city but not the highway towns. Peers want a way to report and "
        "receive alerts by text without going to police.",
        "Peers describe aggressors moving between towns before any warning reaches them.",
    ),
    (
        "Honoraria for peers who sit on committees",
        "Peer workers with lived experience",
        U.PRESSING,
        ["peer work", "funding"],
        "Peers are asked to advise for free while everyone else at the table is paid.",
        "Five of our peers left advisory roles this year; all named unpaid time as the reason.",
    ),
    (
        "Transit tickets for people attending appointments",
        "People without income on the outskirts",
        U.PRESSING,
        ["transit", "health"],
        "Missed appointments lead to cancelled prescriptions. A bus ticket costs less "
        "than a missed visit.",
        "Clinic data: one in four missed appointments was put down to transport.",
    ),
    (
        "Drug checking outside clinic hours",
        "People who use drugs in the evenings and weekends",
        U.URGENT,
        ["harm reduction", "drug checking"],
        "The only drug checking is weekdays 9 to 4, when fewer people are using.",
        "Overdose calls peak on Friday and Saturday nights in local ambulance data.",
    ),
    (
        "Storage lockers for people living outside",
        "People living in encampments",
        U.PRESSING,
        ["housing", "belongings"],
        "People lose ID, medication and tools in sweeps. Without ID they cannot get "
        "housing or income.",
        "A survey of 60 people found 41 had lost ID in the last year.",
    ),
    (
        "Childcare during court and medical appointments",
        "Parents leaving violent relationships",
        U.ROUTINE,
        ["childcare", "survivors"],
        "Survivors miss court dates because there is no one to watch their children.",
        "Our court accompaniment program turned away 30 requests for childcare this year.",
    ),
    (
        "Culturally safe detox beds",
        "Indigenous people seeking detox",
        U.URGENT,
        ["health", "Indigenous"],
        "People wait weeks for detox and leave when they meet racism there. They need beds with "
        "Elders and land-based care.",
        "Healing circle members describe leaving detox early because of how they were treated.",
    ),
    (
        "Legal clinic for ticketing and bylaw fines",
        "People sheltering in public space",
        U.ROUTINE,
        ["legal", "housing"],
        "Unpaid bylaw tickets turn into debts that block housing and income assistance.",
        "Clinic intake shows an average of $1,400 in outstanding fines per person seen.",
    ),
    (
        "Mobile outreach van for the highway corridor",
        "People in small towns and work camps",
        U.PRESSING,
        ["outreach", "rural"],
        "Outreach ends at the city limits. People in camps and small towns have no harm-reduction "
        "supplies or naloxone.",
        "Requests for supplies by mail tripled this year.",
    ),
    (
        "Safe space to report violence without police",
        "Survivors who distrust police",
        U.PRESSING,
        ["survivors", "safety"],
        "Many survivors will not go to police. They need a trusted place to record what happened "
        "and get support.",
        "Our 24-hour line hears from survivors who say they will not report to police.",
    ),
    (
        "Stable funding for the peer navigator program",
        "Youth and families using the drop-in",
        U.ROUTINE,
        ["funding", "peer work", "youth"],
        "Peer navigators are funded one year at a time, so they leave and trust is lost.",
        "Three navigators in two years; each change meant families stopped coming.",
    ),
]

# Organizations working across communities, who corroborate needs beyond their own.
WIDE_CORROBORATORS = ["valley-legal", "peer-workers-union", "metro-peer-alliance"]

# Where demo needs go: (community slug, organization slugs, round table slug or None)
NEED_PLACES = [
    (
        "prince-george",
        ["nechako-outreach", "northern-peer-power", "healing-circle"],
        "prince-george",
    ),
    ("okanagan", ["okanagan-peers", "valley-legal"], "okanagan"),
    ("vancouver", ["harbourside-peers", "safe-space-society"], "vancouver-peer-workers"),
    ("north-east-bc", ["peace-outreach"], "north-east-bc"),
    ("victoria", ["island-survivors", "peer-workers-union"], None),
    ("burnaby", ["burnaby-drop-in", "metro-peer-alliance"], None),
]


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
        slug: Community.objects.get_or_create(slug=slug, defaults={"name": name, "region": region})[
            0
        ]
        for name, slug, region in COMMUNITIES
    }
    for slug, (name, url) in PEER_REPORTING.items():
        Community.objects.filter(slug=slug, peer_reporting_url="").update(
            peer_reporting_name=name, peer_reporting_url=url
        )
    organizations = {}
    for name, slug, kind, peer_led, community_slugs, description in ORGANIZATIONS:
        organization, created = Organization.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "kind": kind, "peer_led": peer_led, "description": description},
        )
        if created:
            organization.communities.set([communities[c] for c in community_slugs])
        organizations[slug] = organization
    for email, org_slug, can_represent in MEMBERSHIPS:
        Membership.objects.get_or_create(
            user=users[email],
            organization=organizations[org_slug],
            defaults={"can_represent": can_represent},
        )
    index = RoundTableIndexPage.objects.get()
    for spec in ROUND_TABLES:
        _round_table(index, spec, communities, organizations, users)
    _needs(communities, organizations, users)
    _recommendations(organizations, users)
    return _footprint() != before


def _footprint() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Authenticator.objects.count(),
        Organization.objects.count(),
        Membership.objects.count(),
        RoundTablePage.objects.count(),
        ConveningPage.objects.count(),
        RoundTableRole.objects.count(),
        Need.objects.count(),
        Corroboration.objects.count(),
        RecommendationPage.objects.count(),
        StageChange.objects.count(),
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
    EmailAddress.objects.get_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )
    return user


def _authenticator(user: User, key: str) -> None:
    """Give the account a TOTP authenticator with the demo's published key."""
    Authenticator.objects.get_or_create(
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
        RoundTableRole.objects.get_or_create(
            round_table=table, user=users[email], defaults={"role": RoundTableRole.Role.FACILITATOR}
        )
    table.refresh_from_db()
    for number, convening_spec in enumerate(spec["convenings"]):
        _convening(table, spec, convening_spec, number, organizations, users)
    return table


def _convening(table, spec, convening_spec, number, organizations, users) -> None:
    slug, title, days, hour, hours, area = convening_spec
    if ConveningPage.objects.filter(slug=slug, round_table=table).exists():
        return
    zone = ZoneInfo(spec["time_zone"])
    day = timezone.localdate() + timedelta(days=days)
    starts_at = datetime.combine(day, time(hour), tzinfo=zone)
    past = days < 0
    online = not area
    convening = ConveningPage(
        title=title,
        slug=slug,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        time_zone=spec["time_zone"],
        format=ConveningPage.Format.ONLINE if online else ConveningPage.Format.HYBRID,
        area=area,
        address="" if online else "Community room, ask at the front desk (demo address)",
        online_link="https://meet.example.org/common-table-demo",
        capacity=[20, 12, 3, None][number % 4],
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
                title,
                60,
                "Member organizations",
                "<p>Discussion and decisions, recorded without names.</p>",
            ),
            ("Next steps and who does what", 20, "Facilitator", ""),
        ),
        minutes=MINUTES.format(count=len(spec["organizations"])) if past else "",
    )
    if past:
        convening.attendance = [
            ConveningAttendance(organization=organizations[org_slug], people=2 + number % 3)
            for org_slug in spec["organizations"]
        ] + [ConveningAttendance(organization=None, people=3)]
    table.add_child(instance=convening)
    convening.save_revision().publish()
    if not past:
        # Sam registers wherever the table expects them, for an organization of theirs
        # that sits at it.
        provider = users["provider@commontable.example"]
        if convening.may_register(provider):
            Registration.objects.get_or_create(
                convening=convening,
                user=provider,
                cancelled_at__isnull=True,
                defaults={
                    "organization": Organization.objects.filter(
                        memberships__user=provider, round_tables=table
                    ).first()
                },
            )


def _needs(communities, organizations, users) -> None:
    """Forty-odd needs across the demo communities, some members-only, some corroborated."""
    poster = users["provider@commontable.example"]
    number = 0
    for community_slug, org_slugs, table_slug in NEED_PLACES:
        table = RoundTablePage.objects.filter(slug=table_slug).first() if table_slug else None
        past = list(ConveningPage.objects.filter(round_table=table).past()) if table else []
        for offset in range(9 if table else 4):
            number += 1
            template = NEED_TEMPLATES[number % len(NEED_TEMPLATES)]
            organization = organizations[org_slugs[offset % len(org_slugs)]]
            _need(
                template,
                number=number,
                offset=offset,
                community=communities[community_slug],
                organization=organization,
                table=table,
                convening=past[offset % len(past)] if past and offset % 3 == 0 else None,
                posted_by=poster if organization.slug == "nechako-outreach" else None,
                corroborators=[
                    organizations[slug]
                    for slug in [*org_slugs[: offset % 3 + 1], *WIDE_CORROBORATORS][
                        : offset % 4 + 1
                    ]
                    if slug != organization.slug
                ],
            )


def _need(
    template, *, number, offset, community, organization, table, convening, posted_by, corroborators
) -> None:
    title, who, urgency, tags, description, evidence = template
    members_only = table is not None and (table.members_only or offset % 5 == 4)
    visibility = Need.Visibility.MEMBERS if members_only else Need.Visibility.PUBLIC
    # A peer group credits some needs to "a peer-led organization", where that hides it.
    peer_credit = (
        organization.peer_led
        and offset % 4 in (1, 2)
        and Need(
            organization=organization, community=community, round_table=table, visibility=visibility
        ).attribution_refusal(Need.Attribution.PEER_LED)
        is None
    )
    need, created = Need.objects.get_or_create(
        title=title,
        organization=organization,
        defaults={
            "who_is_affected": who,
            "community": community,
            "urgency": urgency,
            "description": description,
            "evidence": evidence,
            "visibility": visibility,
            "attribution": (
                Need.Attribution.PEER_LED if peer_credit else Need.Attribution.ORGANIZATION
            ),
            "status": Need.Status.MET if offset == 6 else Need.Status.OPEN,
            "round_table": table,
            "convening": convening,
            "posted_by": posted_by,
            "created_at": timezone.now() - timedelta(days=3 * number, hours=number),
        },
    )
    if created:
        need.tags.add(*tags)
        for other in corroborators:
            Corroboration.objects.get_or_create(need=need, organization=other)


D = DecisionMaker
# The recommendations of the source letter, as real examples, and one vague motion.
# Each: table, slug, title, stage to reach, clarity answers, endorsers, funding.
RECOMMENDATIONS = [
    {
        "table": "prince-george",
        "slug": "decolonial-community-led-approach",
        "title": "Support a decolonial, community-led approach to safety",
        "summary": (
            "Put Indigenous-led and community-led organizations at the centre of safety "
            "planning in Prince George, with resources to lead rather than to be consulted."
        ),
        "action": "Fund the Lheidli Path Healing Circle to co-chair the city's safety "
        "planning with peer-led groups, with a paid coordinator for two years.",
        "responsible_body": "Lheidli Path Healing Circle with the Northern Peer Power Collective",
        "decision_maker": D.MUNICIPAL_COUNCIL,
        "audience": "Nechako Crossing city council (fictional)",
        "cost_estimate": "180000",
        "funding_source": "Municipal community safety grant",
        "evidence": "Indigenous-led safety planning elsewhere in BC increased reporting and "
        "trust; members' lived experience of top-down programs that did not reach them.",
        "what_exists": "A city safety committee with no Indigenous or peer seats; this gives "
        "them the chair and a budget.",
        "success_measure": "By the end of year two: a plan written with peers, adopted by "
        "council, and more people using outreach services.",
        "endorsers": ["northern-peer-power", "healing-circle"],
        "stage": "endorsed",
        "needs": ["Culturally safe detox beds"],
    },
    {
        "table": "okanagan",
        "slug": "fund-peer-led-person-centred-services",
        "title": "Fund peer-led, person-centred services",
        "summary": "Pay peers with lived experience to deliver overdose prevention and "
        "navigation, on multi-year contracts instead of one-off grants.",
        "action": "Three-year contracts for six peer outreach workers in Kelowna and Vernon.",
        "responsible_body": "Okanagan Harm Reduction Peers",
        "decision_maker": D.PROVINCIAL_MINISTRY,
        "audience": "Provincial health authority (fictional liaison)",
        "cost_estimate": "420000",
        "funding_source": "Provincial overdose response fund",
        "evidence": "Peer-delivered outreach reaches people clinics do not; service data "
        "shows 40% of naloxone kits given out by peers.",
        "what_exists": "Peers are paid by honoraria on one-year grants; this makes them staff.",
        "success_measure": "Within 18 months: six peers employed, fewer overdose deaths in "
        "the areas they cover, and peers still in post.",
        "endorsers": ["okanagan-peers", "valley-legal"],
        "stage": "funded",
        "funding": [
            ("BC Community Safety Foundation", "150000", "confirmed", "BCCSF-2026-114"),
            ("Provincial overdose response fund", "120000", "pledged", "POR-77"),
        ],
        "needs": ["Drug checking outside clinic hours"],
    },
    {
        "table": "prince-george",
        "slug": "convene-frontline-providers",
        "title": "Convene frontline providers for locally specific solutions",
        "summary": "Instead of a provincial task force, the city convenes frontline and peer "
        "organizations quarterly and acts on what they propose.",
        "action": "Quarterly round table convened by the city, with honoraria for peers and "
        "a standing item on council's agenda.",
        "responsible_body": "Nechako Crossing Municipal Liaison Office",
        "decision_maker": D.MUNICIPAL_COUNCIL,
        "audience": "Nechako Crossing city council (fictional)",
        "cost_estimate": "24000",
        "funding_source": "City social development budget",
        "evidence": "Member organizations' experience that local tables produce actionable "
        "proposals where task forces did not.",
        "what_exists": "Ad hoc consultations; this makes the table standing and funded.",
        "success_measure": "Four convenings a year, each with a report to council, within a year.",
        "endorsers": ["northern-peer-power", "nechako-outreach"],
        "stage": "implemented",
        "funding": [("City social development budget", "24000", "disbursed", "Motion 2026-31")],
    },
    {
        "table": "vancouver-peer-workers",
        "slug": "more-funding-frontline-peer-led",
        "title": "More funding for frontline peer-led organizations",
        "summary": "Core, multi-year funding for sex-worker-led and peer-led organizations, "
        "not only project grants.",
        "action": "A core funding stream for peer-led organizations, $60,000 a year each for "
        "five organizations.",
        "responsible_body": "False Creek Social Policy Desk",
        "decision_maker": D.MUNICIPAL_COUNCIL,
        "audience": "City council (fictional)",
        "cost_estimate": "300000",
        "funding_source": "City community grants, core stream",
        "evidence": "Peer organizations spend a third of staff time on grant applications.",
        "what_exists": "Project grants only; none cover rent or core staff.",
        "success_measure": "Five organizations funded for three years from next budget cycle.",
        "endorsers": ["harbourside-peers", "metro-peer-alliance"],
        "stage": "submitted",
    },
    {
        "table": "prince-george",
        "slug": "fund-bad-date-reporting",
        "title": "Fund the provincial bad date and aggressor reporting system",
        "summary": "Fund the peer-run bad date and aggressor reporting system so that alerts "
        "reach the north, by text, without police involvement.",
        "action": "Fund a northern coordinator and text alerts for the peer-run reporting system.",
        "responsible_body": "Northern Peer Power Collective",
        "decision_maker": D.PROVINCIAL_MINISTRY,
        "audience": "Provincial Gender Equity Liaison (fictional)",
        "cost_estimate": "95000",
        "funding_source": "Provincial gender-based violence fund",
        "evidence": "Peers report aggressors moving between northern towns before warnings "
        "arrive; reporting rises where reports stay in peer hands.",
        "what_exists": "Alerts circulate in the Lower Mainland only.",
        "success_measure": "Within a year: alerts reaching six northern towns, and the number "
        "of reports from the north.",
        "endorsers": ["northern-peer-power", "nechako-outreach"],
        "stage": "adopted",
        "needs": ["Peer-run bad date reporting that reaches the north"],
    },
    {
        "table": "prince-george",
        "slug": "provincial-awareness-campaigns",
        "title": "Provincial awareness campaigns",
        "summary": "A motion calling for awareness campaigns and a task force on exploitation.",
        "action": "Awareness campaigns across the province.",
        "responsible_body": "",
        "decision_maker": D.PROVINCIAL_MINISTRY,
        "audience": "",
        "cost_estimate": None,
        "funding_source": "",
        "evidence": "",
        "what_exists": "",
        "success_measure": "People are more aware.",
        "endorsers": ["northern-peer-power"],
        "stage": "endorsed",
    },
    {
        "table": "north-east-bc",
        "slug": "highway-outreach-van",
        "title": "A mobile outreach van for the highway corridor",
        "summary": "Outreach that reaches work camps and small towns between Fort St. John "
        "and Dawson Creek.",
        "action": "Lease and staff an outreach van three days a week.",
        "responsible_body": "Peace Region Outreach Network",
        "decision_maker": D.FUNDERS,
        "audience": "",
        "cost_estimate": "130000",
        "funding_source": "",
        "evidence": "Requests for supplies by mail tripled this year.",
        "what_exists": "",
        "success_measure": "",
        "endorsers": [],
        "stage": "draft",
        "needs": ["Mobile outreach van for the highway corridor"],
    },
]

STAGE_PATH = ["draft", "proposed", "endorsed", "submitted", "adopted", "funded", "implemented"]


def _recommendations(organizations, users) -> None:
    for number, spec in enumerate(RECOMMENDATIONS):
        table = RoundTablePage.objects.get(slug=spec["table"])
        if RecommendationPage.objects.filter(slug=spec["slug"], round_table=table).exists():
            continue
        _recommendation(table, spec, number, organizations, users)
    _link_agenda()


def _link_agenda() -> None:
    """The council brief convening discusses the bad date recommendation and its need."""
    convening = ConveningPage.objects.filter(slug="council-brief-prep").first()
    recommendation = RecommendationPage.objects.filter(slug="fund-bad-date-reporting").first()
    if convening is None or recommendation is None:
        return
    if any(block.value.get("recommendations") for block in convening.agenda):
        return
    need = recommendation.needs.first()
    convening.agenda.append(
        (
            "item",
            {
                "title": "Bad date reporting: the council brief",
                "minutes": 30,
                "lead": "Northern Peer Power Collective",
                "description": "",
                "needs": [need] if need else [],
                "recommendations": [recommendation],
            },
        )
    )
    convening.save_revision().publish()


def _recommendation(table, spec, number, organizations, users) -> None:
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
    page = RecommendationPage(**fields, cost_estimate=spec["cost_estimate"])
    page.needs = list(Need.objects.filter(round_table=table, title__in=spec.get("needs", [])))
    table.add_child(instance=page)
    page.save_revision().publish()
    facilitator = table.roles.filter(role="facilitator").first().user
    # The decision is recorded by someone who speaks for the decision-maker, as it
    # would be; the facilitator records it where that is not a government body.
    speaking_for = page.decision_makers().order_by("slug").first()
    decider = _representative(speaking_for) if speaking_for else facilitator
    target = STAGE_PATH.index(spec["stage"])
    convening = ConveningPage.objects.filter(round_table=table).past().last()
    for slug in spec["endorsers"]:
        page.endorse(
            by=_representative(organizations[slug]),
            organization=organizations[slug],
            statement="We were at the table for this and we stand behind it.",
        )
    steps = [
        (1, lambda: page.propose(by=facilitator, note="Put before the table.")),
        (2, lambda: page.endorse_at(convening, by=facilitator)),
        (3, lambda: page.submit(by=facilitator, note="Sent with the clarity checklist.")),
        (
            4,
            lambda: page.record_decision(
                "adopted",
                by=decider,
                decided_on=timezone.localdate() - timedelta(days=20),
                link="https://example.org/council/motions/demo",
                note="Carried.",
            ),
        ),
    ]
    for reached, step in steps:
        if target >= reached:
            step()
    if target >= STAGE_PATH.index("funded"):
        for funder, amount, status, reference in spec.get("funding", []):
            page.record_funding(
                by=facilitator,
                funder=funder,
                amount=Decimal(amount),
                committed_on=timezone.localdate() - timedelta(days=10),
                status=status,
                reference=reference,
            )
    if target >= STAGE_PATH.index("implemented"):
        page.mark_implemented(
            by=facilitator,
            account="Four convenings held this year, each reported to council.",
        )
    # Spread the timeline over the past months, oldest first, as it would have happened.
    changes = list(page.stage_changes.order_by("pk"))
    start = timezone.now() - timedelta(days=40 * len(changes) + 5 * number)
    for index, change in enumerate(changes):
        StageChange.objects.filter(pk=change.pk).update(at=start + timedelta(days=40 * index))
    moved = start + timedelta(days=40 * (len(changes) - 1)) if changes else start
    RecommendationPage.objects.filter(pk=page.pk).update(stage_changed_at=moved)


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
