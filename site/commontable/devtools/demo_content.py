"""What the demo holds: real BC places, fictional organizations, people and their work.

Each round table's convenings, each community's needs and each
recommendation's history are written out here, with dates as days from the
first run's today; ``commontable.devtools.demo`` puts them in the database.
"""

from dataclasses import dataclass
from typing import NamedTuple

from convenings.models import Need, Organization
from recommendations.models import DecisionMaker


@dataclass(frozen=True)
class DemoAccount:
    """A fictional person to sign in as.

    Administrators and facilitators must use an authenticator app, so their
    accounts come with a TOTP key, printed by the demo command: add it to any
    authenticator app to get the codes sign-in asks for.
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
        "Peace Country Peer Collective",
        "peace-country-peers",
        K.PEER_LED,
        True,
        ["north-east-bc"],
        "People who use drugs and former camp workers running peer outreach in the Peace.",
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

PROVIDER = "provider@commontable.example"

# Which demo person belongs where: (email, organization slug, can_represent)
MEMBERSHIPS = [
    ("facilitator@commontable.example", "nechako-outreach", True),
    (PROVIDER, "nechako-outreach", True),
    (PROVIDER, "safe-space-society", False),
    ("councillor@commontable.example", "municipal-liaison-pg", True),
    ("peer@commontable.example", "northern-peer-power", True),
    ("peer@commontable.example", "harbourside-peers", True),
]


class Convening(NamedTuple):
    """One meeting of a demo table. ``days`` counts from the first run's today."""

    slug: str
    title: str
    days: int
    hour: int
    hours: float
    area: str  # empty for an online meeting
    capacity: int | None
    agreed: str = ""  # for one that has taken place: what the table agreed there


# Each table: slug, title, community, purpose, member organization slugs,
# members_only, time zone, facilitator emails and its convenings, oldest first.
ROUND_TABLES = [
    {
        "slug": "prince-george",
        "title": "Prince George Round Table on Safety and Dignity",
        "community": "prince-george",
        "purpose": (
            "<p>Frontline and peer-led organizations in Prince George meet every few months "
            "to name what people need to be safe, and to bring specific, costed proposals to "
            "council.</p><h2>Terms of reference</h2><ul><li>Peers with lived experience chair "
            "every second meeting.</li><li>Nothing goes to council without a peer-led "
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
            Convening(
                "standing-table",
                "A standing table, not a task force",
                -300,
                13,
                2.5,
                "Downtown Prince George",
                25,
                "Ask council for a standing, funded round table instead of a provincial "
                "task force.",
            ),
            Convening(
                "bad-date-reporting",
                "Bad date reporting in the north",
                -210,
                13,
                2,
                "Downtown Prince George",
                25,
                "Gather peers' accounts of how warnings travel between the highway towns.",
            ),
            Convening(
                "alerts-by-text",
                "Alerts by text: a proposal for the north",
                -170,
                13,
                2,
                "Downtown Prince George",
                20,
                "Cost a northern coordinator and text alerts, kept in peer hands.",
            ),
            Convening(
                "healing-and-detox",
                "Healing and detox close to home",
                -95,
                13,
                2,
                "Downtown Prince George",
                20,
                "Ask the health authority what detox beds with Elders would cost.",
            ),
            Convening(
                "indigenous-led-safety",
                "Indigenous-led safety planning",
                -40,
                13,
                2.5,
                "Downtown Prince George",
                25,
                "Prepare a council brief on Indigenous-led safety planning.",
            ),
            Convening(
                "council-brief-prep",
                "Preparing the council brief",
                12,
                13,
                2.5,
                "Downtown Prince George",
                12,
            ),
            Convening(
                "open-convening",
                "Open convening: housing and outreach",
                40,
                10,
                3,
                "Downtown Prince George",
                None,
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
            Convening(
                "peer-contracts",
                "Paying peers as staff",
                -260,
                18,
                2,
                "Kelowna (central)",
                20,
                "Ask for multi-year contracts for peer outreach workers, not honoraria.",
            ),
            Convening(
                "drug-checking",
                "Drug checking across the valley",
                -45,
                18,
                2,
                "Kelowna (central)",
                20,
                "Map where and when drug checking is open across the valley.",
            ),
            Convening(
                "encampment-response",
                "Encampment response without displacement",
                -14,
                18,
                2,
                "Kelowna (central)",
                20,
                "Ask the city to store belongings during clean-ups instead of discarding them.",
            ),
            Convening("peer-pay-standards", "Peer pay standards", 20, 18, 2, "", 40),
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
            Convening(
                "safety-planning",
                "Member safety planning",
                -30,
                17,
                2,
                "East Vancouver",
                20,
                "Bring a proposal for core funding of peer-led organizations to council.",
            ),
            Convening(
                "aggressor-alerts",
                "Aggressor alerts that reach people",
                -8,
                17,
                2,
                "East Vancouver",
                20,
                "Try text alerts in three languages with members before the next convening.",
            ),
            Convening(
                "funding-strategy",
                "Funding strategy for peer work",
                15,
                17,
                2,
                "East Vancouver",
                8,
            ),
        ],
    },
    {
        "slug": "north-east-bc",
        "title": "North East BC Outreach Round Table",
        "community": "north-east-bc",
        "purpose": (
            "<p>Outreach workers and peers from Fort St. John to Dawson Creek on what people "
            "in camps and small towns need. Times are Mountain Standard Time, all year.</p>"
        ),
        "organizations": ["peace-outreach", "peace-country-peers"],
        "members_only": False,
        "time_zone": "America/Dawson_Creek",
        "facilitators": ["facilitator@commontable.example"],
        "convenings": [
            Convening(
                "camp-outreach",
                "Outreach to work camps",
                -20,
                11,
                2,
                "Fort St. John",
                15,
                "Draft a proposal for an outreach van on the highway corridor.",
            ),
            Convening(
                "transport-gaps",
                "Transport gaps between towns",
                -5,
                11,
                2,
                "Dawson Creek",
                15,
                "List the rides people need between towns, and who could give them.",
            ),
            Convening(
                "emergency-shelter",
                "Emergency shelter coordination",
                25,
                11,
                2,
                "Fort St. John",
                15,
            ),
        ],
    },
]


class DemoNeed(NamedTuple):
    """A need an organization posted: ``posted`` is days from the first run's today,
    or the slug of the convening where it was raised."""

    organization: str
    title: str
    who: str
    urgency: str
    tags: list[str]
    description: str
    evidence: str
    posted: int | str
    corroborators: tuple[str, ...] = ()
    members_only: bool = False
    credit: str = Need.Attribution.ORGANIZATION
    status: str = Need.Status.OPEN


U = Need.Urgency
A = Need.Attribution
# Where needs are posted, (community slug, round table slug or None, needs): a
# need at a table belongs to the table's community.
NEEDS = [
    (
        "prince-george",
        "prince-george",
        [
            DemoNeed(
                "nechako-outreach",
                "Overnight drop-in space for women and gender-diverse people",
                "Women and gender-diverse people doing survival sex work overnight",
                U.URGENT,
                ["safety", "shelter"],
                "There is nowhere safe to go between midnight and 7 a.m. People stay in cars "
                "or with bad dates because the shelter is full or unsafe for them.",
                "Outreach logged 212 requests for a safe place overnight last year that we "
                "could not meet.",
                -330,
                ("northern-peer-power", "healing-circle"),
            ),
            DemoNeed(
                "northern-peer-power",
                "Honoraria for peers who sit on committees",
                "Peer workers with lived experience",
                U.PRESSING,
                ["peer work", "funding"],
                "Peers are asked to advise for free while everyone else at the table is paid.",
                "Five of our peers left advisory roles last year; all named unpaid time as "
                "the reason.",
                -345,
                ("healing-circle",),
                status=Need.Status.MET,
            ),
            DemoNeed(
                "northern-peer-power",
                "Peer-run bad date reporting that reaches the north",
                "Sex workers outside the Lower Mainland",
                U.URGENT,
                ["safety", "bad date reporting"],
                "Bad date alerts reach the city but not the highway towns. Peers want a way to "
                "report and receive alerts by text without going to police.",
                "Peers describe aggressors moving between towns before any warning reaches them.",
                "bad-date-reporting",
                ("nechako-outreach", "healing-circle"),
            ),
            DemoNeed(
                "healing-circle",
                "Culturally safe detox beds",
                "Indigenous people seeking detox",
                U.URGENT,
                ["health", "Indigenous"],
                "People wait weeks for detox and leave when they meet racism there. They need "
                "beds with Elders and land-based care.",
                "Healing circle members describe leaving detox early because of how they were "
                "treated.",
                "healing-and-detox",
                ("nechako-outreach", "northern-peer-power"),
            ),
            DemoNeed(
                "nechako-outreach",
                "Bus passes for hospital and clinic appointments",
                "People without income on the edges of the city",
                U.PRESSING,
                ["transit", "health"],
                "Missed appointments lead to cancelled prescriptions. A bus pass costs less "
                "than a missed visit.",
                "Clinic data: one in four missed appointments was put down to transport.",
                -120,
                ("healing-circle",),
            ),
            DemoNeed(
                "nechako-outreach",
                "Childcare during court and medical appointments",
                "Parents leaving violent relationships",
                U.ROUTINE,
                ["childcare", "survivors"],
                "Parents miss court dates because there is no one to watch their children.",
                "Our court accompaniment turned away 30 requests for childcare last year.",
                -60,
                members_only=True,
            ),
        ],
    ),
    (
        "okanagan",
        "okanagan",
        [
            DemoNeed(
                "okanagan-peers",
                "Drug checking outside clinic hours",
                "People who use drugs in the evenings and at weekends",
                U.URGENT,
                ["harm reduction", "drug checking"],
                "The only drug checking in Kelowna is weekdays 9 to 4, when fewer people are "
                "using.",
                "Overdose calls peak on Friday and Saturday nights in local ambulance data.",
                -300,
                ("valley-legal",),
            ),
            DemoNeed(
                "okanagan-peers",
                "An overdose prevention site in Vernon",
                "People who use drugs alone in Vernon",
                U.URGENT,
                ["harm reduction", "overdose prevention"],
                "The nearest supervised site is in Kelowna, an hour away by bus.",
                "Peers reversed 19 overdoses in Vernon in three months, most of them outdoors.",
                "drug-checking",
                members_only=True,
            ),
            DemoNeed(
                "okanagan-peers",
                "Storage lockers for people living outside",
                "People living in encampments in Kelowna",
                U.PRESSING,
                ["housing", "belongings"],
                "People lose ID, medication and tools in clean-ups. Without ID they cannot get "
                "housing or income assistance.",
                "A survey of 60 people found 41 had lost ID in the last year.",
                "encampment-response",
                ("valley-legal",),
            ),
            DemoNeed(
                "valley-legal",
                "Legal clinic for bylaw tickets",
                "People sheltering in public space",
                U.ROUTINE,
                ["legal", "housing"],
                "Unpaid bylaw tickets turn into debts that block housing and income assistance.",
                "Clinic intake shows an average of $1,400 in outstanding fines per person seen.",
                "encampment-response",
                ("okanagan-peers",),
            ),
            DemoNeed(
                "okanagan-peers",
                "Pay standards for peer outreach workers",
                "Peer outreach workers across the valley",
                U.PRESSING,
                ["peer work", "funding"],
                "Each program pays peers differently, from gift cards to wages, for the same work.",
                "Peers compared pay across seven programs: from $10 in gift cards to $28 an hour.",
                -35,
                ("valley-legal",),
            ),
        ],
    ),
    (
        "vancouver",
        "vancouver-peer-workers",
        [
            DemoNeed(
                "harbourside-peers",
                "Safe space to report violence without police",
                "Sex workers who will not go to police",
                U.PRESSING,
                ["survivors", "safety"],
                "Many members will not go to police. They need a trusted place to record what "
                "happened and get support.",
                "Most members who told us of violence last year did not report it anywhere.",
                "safety-planning",
                ("metro-peer-alliance", "safe-space-society"),
                credit=A.PEER_LED,
            ),
            DemoNeed(
                "metro-peer-alliance",
                "Core funding for peer-led organizations",
                "Peer-led organizations and the people they support",
                U.PRESSING,
                ["funding", "peer work"],
                "Project grants pay for programs, not rent or the staff who keep a group running.",
                "Member groups spend a third of staff time writing grant applications.",
                -60,
                ("harbourside-peers",),
                credit=A.PEER_LED,
            ),
            DemoNeed(
                "safe-space-society",
                "More overnight beds at the women's drop-in",
                "Women and gender-diverse people without a safe place at night",
                U.URGENT,
                ["shelter", "safety"],
                "The overnight drop-in has twelve mats and turns people away most nights.",
                "We turned people away on 250 nights last year.",
                -50,
                ("harbourside-peers", "metro-peer-alliance"),
            ),
            DemoNeed(
                "harbourside-peers",
                "Aggressor alerts by text, in several languages",
                "Sex workers who do not read English easily",
                U.URGENT,
                ["safety", "bad date reporting"],
                "Alerts go out in English on paper. Many members read Chinese, Tagalog or "
                "Spanish first, and few pick up the paper sheets.",
                "Half the members at the last convening said they had missed an alert.",
                "aggressor-alerts",
                ("metro-peer-alliance",),
                credit=A.PEER_LED,
            ),
            DemoNeed(
                "metro-peer-alliance",
                "Interpreters at peer meetings",
                "Members whose first language is not English",
                U.ROUTINE,
                ["peer work", "access"],
                "Members stay quiet at meetings they cannot follow.",
                "Members asked for interpretation at four of the last six meetings.",
                -6,
            ),
        ],
    ),
    (
        "north-east-bc",
        "north-east-bc",
        [
            DemoNeed(
                "peace-outreach",
                "Mobile outreach van for the highway corridor",
                "People in small towns and work camps",
                U.PRESSING,
                ["outreach", "rural"],
                "Outreach ends at the city limits. People in camps and small towns have no "
                "harm-reduction supplies or naloxone.",
                "Requests for supplies by mail tripled this year.",
                "camp-outreach",
                ("peace-country-peers",),
            ),
            DemoNeed(
                "peace-country-peers",
                "Naloxone kits for work camps",
                "Camp workers who use drugs alone",
                U.URGENT,
                ["harm reduction", "rural"],
                "Camp workers use alone in their rooms and no one nearby carries naloxone.",
                "Peers handed out 300 kits at camp gates in one month and ran out.",
                -40,
                ("peace-outreach",),
            ),
            DemoNeed(
                "peace-outreach",
                "Rides between Fort St. John and Dawson Creek",
                "People without a car who need services in the other town",
                U.PRESSING,
                ["transit", "rural"],
                "There is no bus between the towns; people hitchhike to appointments.",
                "Outreach workers gave 45 rides in their own cars in three months.",
                "transport-gaps",
                ("peace-country-peers",),
            ),
            DemoNeed(
                "peace-outreach",
                "Emergency shelter beds on the coldest nights",
                "People sleeping outside in Fort St. John",
                U.URGENT,
                ["shelter", "rural"],
                "The shelter fills on the coldest nights and the overflow opens only after "
                "several days of extreme cold.",
                "Outreach found people outside on 14 nights below minus 30 last year.",
                -3,
                ("peace-country-peers",),
            ),
        ],
    ),
    (
        "victoria",
        None,
        [
            DemoNeed(
                "island-survivors",
                "Accompaniment for survivors at the hospital, day and night",
                "Survivors of sexual assault",
                U.PRESSING,
                ["survivors", "health"],
                "Survivors wait alone for hours at emergency at night, when no advocate is on "
                "call.",
                "Our line took 90 calls from the hospital at night last year that no one could "
                "attend.",
                -80,
                ("peer-workers-union",),
            ),
            DemoNeed(
                "peer-workers-union",
                "Fair pay for peer support workers",
                "Peer support workers in the capital region",
                U.PRESSING,
                ["peer work", "funding"],
                "Peer support workers earn less than other support staff for the same shifts.",
                "Our members' pay survey: peers earn $6 an hour less on average.",
                -45,
                ("island-survivors",),
            ),
            DemoNeed(
                "island-survivors",
                "Counselling without a waiting list for survivors",
                "Survivors of sexual assault",
                U.ROUTINE,
                ["survivors", "health"],
                "The waiting list for free counselling is five months long.",
                "One in three people on our waiting list stops answering before a place opens.",
                -20,
            ),
        ],
    ),
    (
        "burnaby",
        None,
        [
            DemoNeed(
                "burnaby-drop-in",
                "Stable funding for the peer navigator program",
                "Youth and families using the drop-in",
                U.ROUTINE,
                ["funding", "peer work", "youth"],
                "Peer navigators are funded one year at a time, so they leave and trust is lost.",
                "Three navigators in two years; each change meant families stopped coming.",
                -70,
                ("metro-peer-alliance",),
            ),
            DemoNeed(
                "burnaby-drop-in",
                "A youth drop-in open at weekends",
                "Young people with nowhere to go on Saturdays and Sundays",
                U.PRESSING,
                ["youth", "safety"],
                "The drop-in closes on Friday evening; weekends are when young people are "
                "least safe.",
                "Half the young people we see say weekends are the hardest time.",
                -35,
                ("safe-space-society",),
                credit=A.FRONTLINE,
            ),
            DemoNeed(
                "metro-peer-alliance",
                "Transit tickets for peers doing outreach",
                "Peer outreach workers across Burnaby",
                U.ROUTINE,
                ["transit", "peer work"],
                "Peers pay their own fares to do outreach across the city.",
                "Peers spent about $90 a month each on fares for outreach last year.",
                -15,
                ("burnaby-drop-in",),
            ),
        ],
    ),
]


D = DecisionMaker
# The recommendations of the source letter, as real examples, and one vague
# motion. Each has a history: the steps it took, oldest first, each with days
# from the first run's today (an endorsement names the convening instead), and
# a decision's or a funding line's details after that.
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
        "needs": ["Culturally safe detox beds"],
        "drafted": -65,
        "history": [("propose", -60), ("endorse", "indigenous-led-safety")],
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
        "needs": ["Drug checking outside clinic hours"],
        "drafted": -280,
        "history": [
            ("propose", -275),
            ("endorse", "peer-contracts"),
            ("submit", -250),
            ("adopted", -150, "Approved by the ministry's letter; funding to follow."),
            (
                "fund",
                -120,
                "BC Community Safety Foundation",
                "150000",
                "confirmed",
                "BCCSF-{year}-114",
            ),
            ("fund", -60, "Provincial overdose response fund", "120000", "pledged", "POR-77"),
        ],
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
        "needs": ["Honoraria for peers who sit on committees"],
        "drafted": -325,
        "history": [
            ("propose", -320),
            ("endorse", "standing-table"),
            ("submit", -290),
            ("adopted", -262, "Carried at council."),
            (
                "fund",
                -255,
                "City social development budget",
                "24000",
                "disbursed",
                "Motion {year}-31",
            ),
            (
                "implemented",
                -20,
                "The city has convened the table four times since the motion, each with a "
                "report to council, and peers are paid for their time.",
            ),
        ],
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
        "needs": ["Core funding for peer-led organizations"],
        "drafted": -46,
        "history": [("propose", -44), ("endorse", "safety-planning"), ("submit", -21)],
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
        "needs": ["Peer-run bad date reporting that reaches the north"],
        "drafted": -195,
        "history": [
            ("propose", -190),
            ("endorse", "alerts-by-text"),
            ("submit", -160),
            ("adopted", -75, "Approved by the ministry's letter."),
        ],
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
        "drafted": -230,
        "history": [("propose", -225), ("endorse", "bad-date-reporting")],
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
        "needs": ["Mobile outreach van for the highway corridor"],
        "drafted": -3,
        "history": [],
    },
]
