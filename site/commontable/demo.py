"""Demo content: real BC places, fictional organizations and people.

Everything is looked up by a natural key (slug or email) before it is made,
so seeding twice creates nothing twice. Dates are set relative to the first
run, so a fresh demo always has past convenings with minutes and upcoming
ones with agendas.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from commontable.models import User
from convenings.models import (
    Community,
    ConveningAttendance,
    ConveningPage,
    Membership,
    Organization,
    Registration,
    RoundTableIndexPage,
    RoundTablePage,
    RoundTableRole,
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    display_name: str


DEMO_ACCOUNTS = [
    DemoAccount("administrator", "admin@commontable.example", "demo-admin-table", "Site admin"),
    DemoAccount(
        "facilitator", "facilitator@commontable.example", "demo-facilitate", "Rowan (facilitator)"
    ),
    DemoAccount(
        "provider", "provider@commontable.example", "demo-provider-needs", "Sam (outreach)"
    ),
    DemoAccount(
        "councillor", "councillor@commontable.example", "demo-councillor", "Councillor Ash"
    ),
    DemoAccount("peer", "peer@commontable.example", "demo-peer-voice", "Jules (peer worker)"),
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


@transaction.atomic
def seed_demo() -> bool:
    """Create whatever demo content is missing; return True if anything was made."""
    before = _footprint()
    users = {account.email: _account(account) for account in DEMO_ACCOUNTS}
    communities = {
        slug: Community.objects.get_or_create(slug=slug, defaults={"name": name, "region": region})[
            0
        ]
        for name, slug, region in COMMUNITIES
    }
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
    return _footprint() != before


def _footprint() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organization.objects.count(),
        Membership.objects.count(),
        RoundTablePage.objects.count(),
        ConveningPage.objects.count(),
        RoundTableRole.objects.count(),
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
        provider = users["provider@commontable.example"]
        if convening.round_table.is_member(provider) or provider.memberships.exists():
            Registration.objects.get_or_create(
                convening=convening,
                user=provider,
                defaults={"organization": organizations["nechako-outreach"]},
            )
