"""Synthetic data at the scale of a whole province, for load tests and benchmarks.

``seed_scale`` builds communities, organizations, people, round tables,
convenings, needs, corroborations, recommendations, their histories and
funding in bulk: the same random seed gives the same data (dates are set
relative to the day it runs, so there are always past and upcoming
convenings). Every place and person is fictional.

Speed comes from inserting rows in bulk rather than through the domain
methods, which check, lock and notify one row at a time. So the rules those
methods keep are kept here by construction: a recommendation's stage is the
end of its own history; it was submitted only with every clarity question
answered and, where its table asks, a peer-led endorsement; funded and
implemented recommendations have funding; linked needs are being addressed;
members-only needs belong to a table. The access rules are not reproduced:
each table's ``sync_access()`` runs once, as when a table is published.

Wagtail pages are a tree (django-treebeard's materialised paths). Pages are
placed by computing each one's path from its parent's with treebeard's own
``_get_path``, and inserted in bulk (see ``insert_pages``). The search index
is filled in bulk through the search backend, and the reference index gets
what the site reads from it (the needs and recommendations on convenings'
agendas); the rest of the reference index, which only the admin's usage
counts read, is left to ``manage.py rebuild_references_index``.
"""

import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import slugify
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction, ReferenceIndex, Revision
from wagtail.search.backends import get_search_backend
from wagtail.signal_handlers import disable_reference_index_auto_update

from commontable.accounts.models import User
from commontable.core import pagecache
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
    TaggedNeed,
)
from recommendations.models import (
    Endorsement,
    Follow,
    FundingCommitment,
    Notification,
    RecommendationPage,
    StageChange,
    TaggedRecommendation,
)
from recommendations.stages import (
    DECISIONS,
    STAGE_ACTIONS,
    DecisionMaker,
    FundingStatus,
    Stage,
    path_to,
)

BATCH = 2000
EMAIL_DOMAIN = "scale.commontable.example"
PASSWORD = "scale-test-passphrase"


@dataclass(frozen=True)
class Scale:
    """How much of everything to make. The rest (people, roles, endorsements,
    registrations, tags) follows in proportion."""

    communities: int
    organizations: int
    round_tables: int
    convenings: int
    needs: int
    corroborations: int
    recommendations: int
    stage_changes: int
    funding_commitments: int

    # The least of each that still makes a site with every kind of page on it.
    MINIMUM = {
        "communities": 2,
        "organizations": 8,
        "round_tables": 2,
        "convenings": 6,
        "needs": 30,
        "corroborations": 40,
        "recommendations": 10,
        "stage_changes": 60,
        "funding_commitments": 20,
    }

    @classmethod
    def standard(cls) -> "Scale":
        """A whole province: 100 communities, 30,000 needs, 5,000 recommendations."""
        return cls(
            communities=100,
            organizations=300,
            round_tables=200,
            convenings=3_000,
            needs=30_000,
            corroborations=100_000,
            recommendations=5_000,
            stage_changes=30_000,
            funding_commitments=10_000,
        )

    @classmethod
    def times(cls, factor: float) -> "Scale":
        """The standard scale multiplied by ``factor``, never below the minimum."""
        if factor <= 0:
            raise ValueError("The scale factor must be more than 0.")
        standard = cls.standard()
        return cls(
            **{
                field.name: max(
                    cls.MINIMUM[field.name], round(getattr(standard, field.name) * factor)
                )
                for field in fields(cls)
            }
        )

    @classmethod
    def named(cls, name: str) -> "Scale":
        """``standard``, ``small`` (a tenth of it) or a factor such as ``0.5``."""
        if name == "standard":
            return cls.standard()
        if name == "small":
            return cls.times(0.1)
        try:
            factor = float(name)
        except ValueError:
            raise ValueError(
                f"Unknown scale {name!r}: use standard, small or a factor such as 0.5."
            ) from None
        if not math.isfinite(factor) or factor <= 0:
            raise ValueError("The scale factor must be a number more than 0.")
        return cls.times(factor)

    @property
    def people(self) -> int:
        """Ten people an organization."""
        return self.organizations * 10


# Vocabulary ---------------------------------------------------------------------------------

PLACE_FIRST = [
    "Alder", "Aspen", "Bear", "Birch", "Cedar", "Coho", "Copper", "Crane", "Eagle", "Elk",
    "Fern", "Fir", "Granite", "Heron", "Juniper", "Kestrel", "Larch", "Maple", "Osprey",
    "Otter", "Pine", "Raven", "Salmon", "Sitka", "Spruce", "Sturgeon", "Tamarack", "Willow",
    "Wolf", "Yarrow",
]  # fmt: skip
PLACE_SECOND = [
    "Bay", "Creek", "Crossing", "Falls", "Flats", "Harbour", "Landing", "Lake", "Ridge",
    "River", "Springs", "Valley",
]  # fmt: skip
REGIONS = [
    "Northern BC", "Vancouver Island", "Metro Vancouver", "Southern Interior", "Kootenays",
    "Cariboo", "Peace River region", "Sunshine Coast", "Fraser Valley", "North Coast",
]  # fmt: skip

K = Organization.Kind
# Kinds in the proportions a real table has: many providers and peer groups, a few
# councils, funders and others.
KIND_CYCLE = [
    K.FRONTLINE, K.PEER_LED, K.INDIGENOUS, K.FRONTLINE, K.MUNICIPAL, K.PEER_LED,
    K.ADVOCACY, K.FRONTLINE, K.UNION, K.FUNDER, K.PROVINCIAL, K.OTHER,
]  # fmt: skip
KIND_NAMES = {
    K.FRONTLINE: ["Outreach Society", "Drop-in Centre", "Women's Shelter Society"],
    K.PEER_LED: ["Peer Collective", "Peer Network"],
    K.INDIGENOUS: ["Healing Circle", "Friendship Centre"],
    K.MUNICIPAL: ["Municipal Liaison Office"],
    K.PROVINCIAL: ["Regional Health Office"],
    K.UNION: ["Care Workers' Union Local"],
    K.ADVOCACY: ["Legal Advocacy Clinic"],
    K.FUNDER: ["Community Foundation"],
    K.OTHER: ["Faith Community Kitchen"],
}


@dataclass(frozen=True)
class Topic:
    """What a need is about, and what a recommendation would do about it."""

    tag: str
    need: str
    action: str
    responsible: str
    measure: str


TOPICS = [
    Topic("housing", "Overnight shelter beds for women", "Open a low-barrier women's shelter",
          "the regional housing society", "No woman turned away on a cold night within a year"),
    Topic("safety", "Bad-date reports that reach workers quickly",
          "Fund a peer-run bad-date alert line", "a peer-led collective",
          "Alerts reach workers within an hour of a report"),
    Topic("harm-reduction", "Drug checking close to where people use",
          "Run a mobile drug checking service", "the harm reduction team",
          "Fewer toxic-drug deaths in the service area after two years"),
    Topic("transit", "Late-night transit to services", "Extend the night bus to the drop-in",
          "the transit authority", "Ridership on the late route after six months"),
    Topic("food", "Hot meals on weekends", "Fund weekend community meals",
          "a community kitchen", "Meals served each weekend, counted monthly"),
    Topic("health", "Walk-in primary care without identification",
          "Open a nurse-led walk-in clinic", "the health authority",
          "Visits by people without a family doctor, counted quarterly"),
    Topic("mental-health", "Crisis support that is not police-led",
          "Start a peer crisis response team", "the crisis line society",
          "Crisis calls answered by peers instead of police"),
    Topic("youth", "A safe space for youth after school", "Open an evening youth drop-in",
          "the youth services society", "Young people attending each week"),
    Topic("legal", "Help with tickets and court dates", "Hold a monthly legal clinic",
          "a legal advocacy clinic", "Tickets resolved without a warrant"),
    Topic("income", "Help applying for income assistance", "Fund an income assistance navigator",
          "the outreach society", "Applications completed with support"),
    Topic("hygiene", "Showers and laundry", "Install public showers and laundry",
          "the city's facilities department", "Showers taken each month"),
    Topic("storage", "Safe storage for belongings", "Provide lockers for people without homes",
          "the drop-in centre", "Lockers in use and belongings kept safe"),
    Topic("indigenous", "Culturally safe land-based healing", "Fund a land-based healing program",
          "an Indigenous-led healing circle", "Participants completing the program"),
    Topic("peer-work", "Paid peer work with fair wages",
          "Set a living-wage honorarium standard for peers", "the round table's funders",
          "Every peer paid the standard by next year"),
    Topic("childcare", "Childcare during appointments", "Offer drop-in childcare at the hub",
          "the family services society", "Appointments kept by parents"),
    Topic("winter", "Warming centres in cold snaps", "Open warming centres below minus five",
          "the emergency program", "Nights with a warming centre open when needed"),
]  # fmt: skip
EXTRA_TAGS = ["accessibility", "rural", "seniors", "newcomers", "two-spirit", "disability"]
AFFECTED = [
    "women doing survival sex work downtown",
    "people who use drugs and live outside",
    "young people leaving care",
    "Indigenous families new to the city",
    "seniors on fixed incomes",
    "people released from custody",
    "trans and two-spirit people",
    "newcomers without status",
]

# How far recommendations have got, as a repeating pattern so that even a few of them
# cover every stage; decision stages come early so small scales include them.
STAGE_CYCLE = [
    Stage.FUNDED, Stage.IMPLEMENTED, Stage.DRAFT, Stage.DEFERRED, Stage.PROPOSED,
    Stage.IMPLEMENTED, Stage.ADOPTED, Stage.ENDORSED, Stage.FUNDED, Stage.DECLINED,
    Stage.IMPLEMENTED, Stage.SUBMITTED, Stage.WITHDRAWN, Stage.FUNDED, Stage.IMPLEMENTED,
    Stage.DEFERRED, Stage.FUNDED, Stage.IMPLEMENTED, Stage.DECLINED, Stage.WITHDRAWN,
]  # fmt: skip
# Withdrawn recommendations were taken back from each stage withdrawal starts from, in turn.
WITHDRAWN_FROM = sorted(STAGE_ACTIONS["withdraw"].allowed_from, key=list(Stage).index)


# Pages in bulk --------------------------------------------------------------------------------


def child_path(parent: Page, step: int) -> str:
    """The treebeard path of ``parent``'s ``step``-th child (1-based)."""
    return Page._get_path(parent.path, parent.depth + 1, step)


def place_pages(parent: Page, pages: list[Page], *, first_step: int = 1) -> None:
    """Give pages their places under ``parent``: path, depth and URL path, in order."""
    for offset, page in enumerate(pages):
        page.path = child_path(parent, first_step + offset)
        page.depth = parent.depth + 1
        page.numchild = 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.locale_id = parent.locale_id


def column_values(instance, fields) -> list:
    """An instance's values for these fields' columns, each prepared as a save prepares it."""
    return [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]


def insert_pages(model: type[Page], pages: list[Page]) -> None:
    """Insert placed pages of one specific type, in bulk.

    Django's ``bulk_create`` refuses multi-table inheritance, so the
    ``wagtailcore_page`` rows are bulk-created first, and then the pages'
    own rows go into the model's table in one ``executemany``, each value
    prepared by its field as a save would. No save signal is sent (as with
    ``bulk_create``), so neither Wagtail nor the search index acts on them.
    """
    content_type = ContentType.objects.get_for_model(model)
    page_fields = [field.attname for field in Page._meta.concrete_fields if field.attname != "id"]
    own_fields = model._meta.local_concrete_fields
    quote = connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in own_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(own_fields))})"
    )
    for start in range(0, len(pages), BATCH):
        chunk = pages[start : start + BATCH]
        rows = []
        for page in chunk:
            page.content_type = content_type
            page.draft_title = page.title
            rows.append(Page(**{name: getattr(page, name) for name in page_fields}))
        Page.objects.bulk_create(rows)
        for page, row in zip(chunk, rows, strict=True):
            page.id = page.page_ptr_id = row.id
            page._state.adding = False
        with connection.cursor() as cursor:
            cursor.executemany(insert, [column_values(page, own_fields) for page in chunk])


# The seeder -----------------------------------------------------------------------------------


class ScaleSeeder:
    """Builds one data set; ``run()`` does it all in one transaction."""

    def __init__(self, scale: Scale, *, seed: int = 1, progress: Callable[[str], None] = print):
        self.scale = scale
        self.random = random.Random(seed)
        self.progress = progress
        self.started = time.monotonic()
        # Noon today (UTC): dates are relative to it, so runs on one day are identical.
        self.now = datetime.combine(timezone.now().date(), datetime.min.time(), UTC) + timedelta(
            hours=12
        )
        self.counts: dict[str, int] = {}

    def say(self, message: str) -> None:
        self.progress(f"[{time.monotonic() - self.started:6.1f}s] {message}")

    def run(self) -> dict[str, int]:
        """Make everything; return how many of each were made."""
        with transaction.atomic(), disable_reference_index_auto_update():
            self.places()
            self.people()
            self.round_tables()
            self.convenings()
            self.needs()
            self.corroborations()
            self.recommendations()
            self.follow_through()
            self.access()
            self.agenda_references()
            self.revisions()
            self.search_index()
            # Bulk inserts send no signals: drop every cached page once, here.
            pagecache.invalidate()
        self.say("Done.")
        return self.counts

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.random.uniform(low, high))

    # Communities, organizations, people ---------------------------------------------------

    def places(self) -> None:
        names = [f"{first} {second}" for first in PLACE_FIRST for second in PLACE_SECOND]
        self.random.shuffle(names)
        communities = []
        for number in range(self.scale.communities):
            name = names[number % len(names)]
            if number >= len(names):
                name = f"{name} {number // len(names) + 1}"
            communities.append(
                Community(
                    name=name,
                    slug=slugify(name),
                    region=REGIONS[number % len(REGIONS)],
                    description=f"A synthetic community in {REGIONS[number % len(REGIONS)]}.",
                )
            )
        self.communities = Community.objects.bulk_create(communities)

        organizations, taken = [], set()
        for number in range(self.scale.organizations):
            kind = KIND_CYCLE[number % len(KIND_CYCLE)]
            home = self.communities[number % len(self.communities)]
            name = f"{home.name} {self.random.choice(KIND_NAMES[kind])}"
            while name in taken:
                name = f"{home.name} {self.random.choice(KIND_NAMES[kind])} {len(taken)}"
            taken.add(name)
            organizations.append(
                Organization(
                    name=name,
                    slug=slugify(name),
                    kind=kind,
                    peer_led=kind == K.PEER_LED,
                    website=f"https://{slugify(name)}.example.org",
                    description=f"A fictional {kind.label.lower()} serving {home.name}.",
                )
            )
        self.organizations = Organization.objects.bulk_create(organizations)
        served = Organization.communities.through
        links = []
        self.served_by = defaultdict(list)
        for number, organization in enumerate(self.organizations):
            homes = {number % len(self.communities)}
            if self.random.random() < 0.3:
                homes.add(self.random.randrange(len(self.communities)))
            for home in sorted(homes):
                links.append(served(organization=organization, community=self.communities[home]))
                self.served_by[self.communities[home].pk].append(organization)
        served.objects.bulk_create(links)
        self.peer_led = [o for o in self.organizations if o.peer_led]
        self.counts.update(communities=len(self.communities), organizations=len(organizations))
        self.say(f"{len(self.communities)} communities, {len(organizations)} organizations")

    def people(self) -> None:
        password = make_password(PASSWORD)
        joined = self.now - timedelta(days=800)
        users = [
            User(
                email=f"member-{number:05d}@{EMAIL_DOMAIN}",
                display_name=f"Participant {number:05d}",
                password=password,
                date_joined=joined,
            )
            for number in range(1, self.scale.people + 1)
        ]
        self.users = User.objects.bulk_create(users, batch_size=BATCH)
        self.user_by_pk = {user.pk: user for user in self.users}
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in self.users],
            batch_size=BATCH,
        )
        # Everyone belongs to one organization (the first one listed speaks for it);
        # one in five belongs to a second.
        memberships = []
        self.members_of = defaultdict(list)
        self.representative = {}
        self.organizations_of = defaultdict(list)
        for number, user in enumerate(self.users):
            organization = self.organizations[number % len(self.organizations)]
            chosen = [organization]
            if self.random.random() < 0.2:
                second = self.random.choice(self.organizations)
                if second.pk != organization.pk:
                    chosen.append(second)
            for org in chosen:
                represents = org.pk not in self.representative
                if represents:
                    self.representative[org.pk] = user
                memberships.append(
                    Membership(user=user, organization=org, can_represent=represents)
                )
                self.members_of[org.pk].append(user)
                self.organizations_of[user.pk].append(org)
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        self.counts.update(people=len(self.users), memberships=len(memberships))
        self.say(f"{len(self.users)} people, {len(memberships)} memberships")

    # Round tables and convenings ------------------------------------------------------------

    def round_tables(self) -> None:
        self.index = RoundTableIndexPage.objects.get()
        tables, taken = [], set()
        for number in range(self.scale.round_tables):
            community = self.communities[number % len(self.communities)]
            title = f"{community.name} Round Table"
            if slugify(title) in taken:
                title = f"{title} {number // len(self.communities) + 1}"
            taken.add(slugify(title))
            published = self.days_ago(700, 800)
            tables.append(
                RoundTablePage(
                    title=title,
                    slug=slugify(title),
                    community=community,
                    purpose=(
                        f"<p>Frontline providers, peer-led groups and officials in "
                        f"{community.name} meet to name what the community needs and to bring "
                        "specific, costed proposals to council.</p>"
                    ),
                    # Every tenth table, starting with the second, is members only.
                    members_only=number % 10 == 1,
                    peer_signoff_required=number % 10 < 7,
                    translation_key=self.uuid(),
                    live=True,
                    first_published_at=published,
                    last_published_at=published,
                )
            )
        # Each table seats organizations serving its community, always one peer-led
        # group; two of their people facilitate (the first owns the page) and three
        # more sit as members.
        seated, people = [], []
        for table in tables:
            local = self.served_by[table.community_id][:6]
            others = self.random.sample(self.organizations, min(4, len(self.organizations)))
            peer = self.random.choice(self.peer_led)
            organizations = list({o.pk: o for o in [*local, *others, peer]}.values())
            seats = list({u.pk: u for o in organizations for u in self.members_of[o.pk][:3]})
            chosen = self.random.sample(seats, min(5, len(seats)))
            seated.append(organizations)
            people.append([self.user_by_pk[pk] for pk in chosen])
            table.owner = people[-1][0]
        last = self.index.get_last_child()
        first = int(last.path[-Page.steplen :], len(Page.alphabet)) + 1 if last else 1
        place_pages(self.index, tables, first_step=first)
        insert_pages(RoundTablePage, tables)
        Page.objects.filter(pk=self.index.pk).update(numchild=F("numchild") + len(tables))
        self.tables = tables
        self.table_by_pk = {table.pk: table for table in tables}

        self.seated, self.facilitators, seats, roles = {}, {}, [], []
        for table, organizations, members in zip(tables, seated, people, strict=True):
            self.seated[table.pk] = organizations
            self.facilitators[table.pk] = members[:2]
            seats += [
                RoundTablePage.member_organizations.through(
                    roundtablepage_id=table.pk, organization_id=o.pk
                )
                for o in organizations
            ]
            roles += [
                RoundTableRole(
                    round_table_id=table.pk,
                    user=person,
                    role=RoundTableRole.Role.FACILITATOR
                    if position < 2
                    else RoundTableRole.Role.MEMBER,
                )
                for position, person in enumerate(members)
            ]
        RoundTablePage.member_organizations.through.objects.bulk_create(seats, batch_size=BATCH)
        RoundTableRole.objects.bulk_create(roles, batch_size=BATCH)
        self.counts.update(round_tables=len(tables), roles=len(roles))
        self.say(f"{len(tables)} round tables, {len(roles)} roles")

    def convenings(self) -> None:
        per_table = defaultdict(list)
        for number in range(self.scale.convenings):
            per_table[number % len(self.tables)].append(number)
        convenings = []
        self.past = defaultdict(list)
        self.upcoming = defaultdict(list)
        for table_number, numbers in per_table.items():
            table = self.tables[table_number]
            # A third are still to come, every three weeks; the rest happened every
            # five weeks before that.
            upcoming = max(1, len(numbers) // 3)
            pages = []
            for position, _ in enumerate(numbers):
                if position < len(numbers) - upcoming:
                    day = self.now - timedelta(weeks=5 * (len(numbers) - upcoming - position))
                else:
                    day = self.now + timedelta(weeks=3 * (position - len(numbers) + upcoming + 1))
                pages.append(self.convening(table, day.date(), position))
            place_pages(table, pages)
            for page in pages:
                (self.past if page.ends_at < self.now else self.upcoming)[table.pk].append(page)
            convenings += pages
        insert_pages(ConveningPage, convenings)
        self.convening_pages = convenings

        attendance, registrations = [], []
        for table in self.tables:
            seated = self.seated[table.pk]
            for page in self.past[table.pk]:
                came = self.random.sample(seated, min(len(seated), self.random.randint(2, 5)))
                attendance += [
                    ConveningAttendance(
                        convening_id=page.pk,
                        organization=o,
                        people=self.random.randint(1, 6),
                        sort_order=order,
                    )
                    for order, o in enumerate(came)
                ]
                attendance.append(
                    ConveningAttendance(
                        convening_id=page.pk, organization=None, people=2, sort_order=len(came)
                    )
                )
            people = list({u.pk: u for o in seated for u in self.members_of[o.pk]}.values())
            for page in self.upcoming[table.pk]:
                places = page.capacity or 8
                for person in self.random.sample(people, min(len(people), places // 2, 6)):
                    organization = self.random.choice(self.organizations_of[person.pk])
                    anonymous = self.random.random() < 0.2
                    registrations.append(
                        Registration(
                            convening_id=page.pk,
                            user=person,
                            organization=None if anonymous else organization,
                            anonymous=anonymous,
                        )
                    )
        ConveningAttendance.objects.bulk_create(attendance, batch_size=BATCH)
        Registration.objects.bulk_create(registrations, batch_size=BATCH)
        for table in self.tables:
            Page.objects.filter(pk=table.pk).update(
                numchild=len(self.past[table.pk]) + len(self.upcoming[table.pk])
            )
        self.counts.update(
            convenings=len(convenings), attendance=len(attendance), registrations=len(registrations)
        )
        self.say(f"{len(convenings)} convenings ({len(registrations)} registrations)")

    def convening(self, table: RoundTablePage, day: date, position: int) -> ConveningPage:
        zone = "America/Vancouver" if position % 7 else "America/Dawson_Creek"
        starts_at = datetime.combine(day, datetime.min.time(), ZoneInfo(zone)) + timedelta(hours=18)
        online = position % 4 == 3
        title = f"{table.title}: {day:%B %Y} convening"
        published = min(starts_at - timedelta(days=21), self.now - timedelta(days=1))
        past = starts_at < self.now
        return ConveningPage(
            title=title,
            slug=f"convening-{day:%Y-%m-%d}-{position + 1}",
            round_table_id=table.pk,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2, minutes=30),
            time_zone=zone,
            format=ConveningPage.Format.ONLINE if online else ConveningPage.Format.HYBRID,
            area=f"Downtown {table.community.name}",
            address=f"{100 + position} Main Street, {table.community.name}",
            online_link=f"https://meet.example.org/{table.slug}-{position + 1}",
            capacity=None if position % 3 == 0 else 30,
            interpretation="ASL" if position % 2 else "",
            honoraria=True,
            childcare=position % 2 == 0,
            transit_support=True,
            accessibility_notes="Step-free entrance, quiet room, food provided.",
            agenda=[],
            minutes=(
                "<p>The table heard from outreach workers and peers, reviewed open needs and "
                "agreed next steps.</p>"
                if past
                else ""
            ),
            owner=table.owner,
            translation_key=self.uuid(),
            live=True,
            first_published_at=published,
            last_published_at=published,
        )

    # Needs ---------------------------------------------------------------------------------

    def needs(self) -> None:
        names = [topic.tag for topic in TOPICS] + EXTRA_TAGS
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
        created = Tag.objects.bulk_create(
            [Tag(name=name, slug=slugify(name)) for name in names if name not in existing]
        )
        self.tags = existing | {tag.name: tag for tag in created}
        tables_in = defaultdict(list)
        for table in self.tables:
            tables_in[table.community_id].append(table)
        needs, tagged = [], []
        for number in range(self.scale.needs):
            topic = TOPICS[number % len(TOPICS)]
            community = self.communities[self.random.randrange(len(self.communities))]
            organization = self.random.choice(self.served_by[community.pk] or self.organizations)
            poster = self.random.choice(self.members_of[organization.pk])
            table = None
            if tables_in[community.pk] and self.random.random() < 0.7:
                table = self.random.choice(tables_in[community.pk])
            convening = None
            created_at = self.days_ago(1, 720)
            if table is not None and self.past[table.pk] and self.random.random() < 0.4:
                convening = self.random.choice(self.past[table.pk])
                created_at = convening.ends_at + timedelta(hours=self.random.uniform(1, 48))
            members_only = table is not None and self.random.random() < 0.15
            # An anonymous credit only of the organization's own kind (``Need.clean``).
            attribution = self.random.choice(
                [Need.Attribution.ORGANIZATION] * 6
                + [Need.Attribution.PERSON]
                + ([Need.Attribution.FRONTLINE] if organization.kind == K.FRONTLINE else [])
                + ([Need.Attribution.PEER_LED] if organization.peer_led else [])
            )
            needs.append(
                Need(
                    title=f"{topic.need} in {community.name}",
                    description=(
                        f"{topic.need}. Without it, {self.random.choice(AFFECTED)} go without "
                        f"and frontline workers in {community.name} fill the gap by hand."
                    ),
                    who_is_affected=self.random.choice(AFFECTED),
                    community=community,
                    urgency=self.random.choice(list(Need.Urgency.values)),
                    evidence=(
                        "Outreach logs from the last quarter; peer interviews."
                        if number % 3
                        else ""
                    ),
                    visibility=Need.Visibility.MEMBERS if members_only else Need.Visibility.PUBLIC,
                    attribution=attribution,
                    status=Need.Status.MET if number % 12 == 0 else Need.Status.OPEN,
                    organization=organization,
                    posted_by=poster,
                    round_table_id=table.pk if table else None,
                    convening_id=convening.pk if convening else None,
                    created_at=created_at,
                )
            )
        self.need_rows = Need.objects.bulk_create(needs, batch_size=BATCH)
        self.needs_at = defaultdict(list)
        for number, need in enumerate(self.need_rows):
            if need.round_table_id:
                self.needs_at[need.round_table_id].append(need)
            topic = TOPICS[number % len(TOPICS)]
            chosen = {topic.tag}
            if self.random.random() < 0.4:
                chosen.add(self.random.choice(EXTRA_TAGS))
            tagged += [TaggedNeed(content_object=need, tag=self.tags[name]) for name in chosen]
        TaggedNeed.objects.bulk_create(tagged, batch_size=BATCH)
        self.counts.update(needs=len(needs), need_tags=len(tagged))
        self.say(f"{len(needs)} needs")

    def corroborations(self) -> None:
        """Organizations saying "we see this too": a few needs carry most of the weight."""
        capacity = len(self.need_rows) * (len(self.organizations) - 1)
        wanted = min(self.scale.corroborations, capacity)
        weights = [self.random.paretovariate(1.5) for _ in self.need_rows]
        chosen, rows = set(), []
        while len(rows) < wanted:
            for need in self.random.choices(self.need_rows, weights=weights, k=wanted - len(rows)):
                organization = self.random.choice(self.organizations)
                key = (need.pk, organization.pk)
                if organization.pk == need.organization_id or key in chosen:
                    continue
                chosen.add(key)
                rows.append(
                    Corroboration(
                        need=need,
                        organization=organization,
                        user=self.random.choice(self.members_of[organization.pk]),
                    )
                )
                if len(rows) == wanted:
                    break
            # Every need full or no weight left: spread the rest evenly.
            weights = [1.0] * len(self.need_rows)
        Corroboration.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["corroborations"] = len(rows)
        self.say(f"{len(rows)} corroborations")

    # Recommendations ------------------------------------------------------------------------

    def recommendations(self) -> None:
        paths = self.stage_paths()
        planned = defaultdict(list)
        for number, path in enumerate(paths):
            planned[self.tables[number % len(self.tables)].pk].append((number, path))
        self.takeable = {
            table.pk: [n for n in self.needs_at[table.pk] if n.status != Need.Status.MET]
            for table in self.tables
        }
        self.convening_by_pk = {c.pk: c for c in self.convening_pages}
        pages, self.plans = [], []
        for table_pk, numbered in planned.items():
            table = self.table_by_pk[table_pk]
            children = []
            for number, path in numbered:
                page, plan = self.recommendation(table, number, path)
                children.append(page)
                self.plans.append(plan)
            place_pages(table, children, first_step=self.table_children(table) + 1)
            Page.objects.filter(pk=table.pk).update(numchild=F("numchild") + len(children))
            pages += children
        insert_pages(RecommendationPage, pages)
        self.recommendation_pages = pages
        self.say(f"{len(pages)} recommendations")

    def table_children(self, table: RoundTablePage) -> int:
        return len(self.past[table.pk]) + len(self.upcoming[table.pk])

    def stage_paths(self) -> list[list[Stage]]:
        """Each recommendation's stages after draft, the fewest moves the stage table allows
        (``path_to``), adding deferrals until the history is the size asked."""
        paths = []
        for number in range(self.scale.recommendations):
            final = STAGE_CYCLE[number % len(STAGE_CYCLE)]
            before = None
            if final == Stage.WITHDRAWN:
                before = WITHDRAWN_FROM[(number // len(STAGE_CYCLE)) % len(WITHDRAWN_FROM)]
            paths.append([move.to for move in path_to(final, via=before)])
        # A deferral goes in after the first stage the decision to defer starts from, and the
        # move that followed that stage now follows the deferral: the stage table allows the
        # same moves from deferred as from submitted (tests/test_stages.py walks every seeded
        # history through the table).
        defer = STAGE_ACTIONS[Stage.DEFERRED.value]

        def deferral_at(path: list[Stage]) -> int | None:
            starts = (
                at for at, stage in enumerate(path) if defer.starts_from(stage, costs_nothing=False)
            )
            return next((at + 1 for at in starts), None)

        decided = [p for p in paths if deferral_at(p) is not None]
        extra = self.scale.stage_changes - sum(len(p) for p in paths)
        while extra > 0 and decided:
            path = self.random.choice(decided)
            path.insert(deferral_at(path), Stage.DEFERRED)
            extra -= 1
        return paths

    def recommendation(
        self, table: RoundTablePage, number: int, path: list[Stage]
    ) -> tuple[RecommendationPage, dict]:
        topic = TOPICS[number % len(TOPICS)]
        community = table.community
        submitted = Stage.SUBMITTED in path
        # What a submitted recommendation must answer; the others answer some.
        answered = set(range(7)) if submitted else set(self.random.sample(range(7), number % 6 + 1))
        cost = Decimal(self.random.randrange(5_000, 500_000, 500))
        title = f"{topic.action} in {community.name}"
        times = self.timeline(table, path)
        decision_maker = self.random.choice(list(DecisionMaker.values))
        page = RecommendationPage(
            title=title,
            slug=f"{slugify(topic.action)[:60]}-{number + 1}",
            summary=(
                f"{topic.action}, so that {self.random.choice(AFFECTED)} in {community.name} "
                f"get what they asked the table for: {topic.need.lower()}."
            ),
            action=f"{topic.action}, starting within six months." if 0 in answered else "",
            responsible_body=topic.responsible if 1 in answered else "",
            decision_maker=decision_maker if 2 in answered else "",
            audience=f"{community.name} council" if 2 in answered else "",
            cost_estimate=cost if 3 in answered else None,
            funding_source="The municipal social grants fund" if 3 in answered else "",
            evidence=(
                "Outreach logs, peer interviews and a similar program's evaluation."
                if 4 in answered
                else ""
            ),
            what_exists=(
                "A weekday-only service that closes before most people need it."
                if 5 in answered
                else ""
            ),
            success_measure=topic.measure if 6 in answered else "",
            stage=path[-1] if path else Stage.DRAFT,
            stage_changed_at=times[-1] if path else times[0],
            round_table_id=table.pk,
            owner=self.facilitators[table.pk][0] if self.facilitators[table.pk] else None,
            translation_key=self.uuid(),
            live=True,
            first_published_at=times[0],
            last_published_at=times[0],
        )
        page.clarity_score = page.compute_clarity_score()
        decisions = [at for stage, at in zip(path, times[1:], strict=True) if stage in DECISIONS]
        if decisions:
            page.decision_date = timezone.localdate(decisions[-1])
            page.decision_link = f"https://council.example.org/motions/{number + 1}"
        if Stage.ENDORSED in path and self.past[table.pk]:
            at = times[path.index(Stage.ENDORSED) + 1]
            page.endorsed_at_convening_id = self.endorsing_convening(table, at).pk
        if path and path[-1] == Stage.IMPLEMENTED:
            page.implementation_account = (
                f"{topic.responsible.capitalize()} carried it out; the table reviewed the "
                "first results at its convening."
            )
        needs = self.takeable[table.pk]
        linked = self.random.sample(needs, min(len(needs), self.random.randint(1, 3)))
        return page, {"path": path, "times": times, "needs": linked, "topic": topic}

    def timeline(self, table: RoundTablePage, path: list[Stage]) -> list[datetime]:
        """When it was published, then when each move happened (all in the past)."""
        latest = self.now - timedelta(days=1)
        past = self.past[table.pk]
        if Stage.ENDORSED in path and past:
            endorsed = self.random.choice(past).ends_at + timedelta(hours=1)
            before = path.index(Stage.ENDORSED) + 1
            start = endorsed - timedelta(days=self.random.uniform(20, 60))
            times = [start + (endorsed - start) * step / before for step in range(before)]
            times.append(endorsed)
            after = len(path) - before
        else:
            endorsed = self.days_ago(30, 700)
            times = [endorsed]
            after = len(path)
        gaps = [self.random.uniform(7, 45) for _ in range(after)]
        room = (latest - times[-1]).total_seconds() / 86400
        shrink = min(1.0, room / sum(gaps)) if gaps else 1.0
        for gap in gaps:
            times.append(times[-1] + timedelta(days=gap * shrink))
        return times

    def endorsing_convening(self, table: RoundTablePage, at: datetime) -> ConveningPage:
        """The past convening the table endorsed it at: the last one before ``at``."""
        held = [c for c in self.past[table.pk] if c.ends_at <= at]
        return held[-1] if held else self.past[table.pk][0]

    def follow_through(self) -> None:
        """Histories, endorsements, funding, linked needs and tags, as the stages require."""
        changes, endorsements, needs_links, tagged, funded = [], [], [], [], []
        addressed = set()
        for page, plan in zip(self.recommendation_pages, self.plans, strict=True):
            path, times = plan["path"], plan["times"]
            people = self.facilitators[page.round_table_id] or [None]
            previous = Stage.DRAFT
            for stage, at in zip(path, times[1:], strict=True):
                if stage == Stage.FUNDED:
                    funded.append((page, at, len(changes)))
                changes.append(
                    StageChange(
                        recommendation_id=page.pk,
                        from_stage=previous,
                        to_stage=stage,
                        by=self.random.choice(people),
                        at=at,
                        note=self.stage_note(page, stage),
                        link=page.decision_link if stage in DECISIONS else "",
                    )
                )
                previous = stage
            endorsements += self.endorsements_for(page, path, times)
            for need in plan["needs"]:
                needs_links.append(
                    RecommendationPage.needs.through(recommendationpage_id=page.pk, need_id=need.pk)
                )
                addressed.add(need.pk)
            chosen = {plan["topic"].tag}
            if self.random.random() < 0.3:
                chosen.add(self.random.choice(EXTRA_TAGS))
            tagged += [
                TaggedRecommendation(content_object_id=page.pk, tag=self.tags[name])
                for name in chosen
            ]
        commitments = self.funding(funded, changes)
        StageChange.objects.bulk_create(changes, batch_size=BATCH)
        Endorsement.objects.bulk_create(endorsements, batch_size=BATCH)
        FundingCommitment.objects.bulk_create(commitments, batch_size=BATCH)
        RecommendationPage.needs.through.objects.bulk_create(needs_links, batch_size=BATCH)
        TaggedRecommendation.objects.bulk_create(tagged, batch_size=BATCH)
        # A need taken up by a published recommendation is being addressed (as on publishing).
        Need.objects.filter(pk__in=addressed, status=Need.Status.OPEN).update(
            status=Need.Status.BEING_ADDRESSED
        )
        for need in self.need_rows:
            if need.pk in addressed and need.status == Need.Status.OPEN:
                need.status = Need.Status.BEING_ADDRESSED
        self.counts.update(
            recommendations=len(self.recommendation_pages),
            stage_changes=len(changes),
            endorsements=len(endorsements),
            funding_commitments=len(commitments),
        )
        self.say(
            f"{len(changes)} stage changes, {len(endorsements)} endorsements, "
            f"{len(commitments)} funding commitments"
        )

    def stage_note(self, page: RecommendationPage, stage: Stage) -> str:
        if stage == Stage.PROPOSED:
            return "Put before the table for discussion."
        if stage == Stage.ENDORSED:
            convening = self.convening_by_pk.get(page.endorsed_at_convening_id)
            return f"Endorsed at “{convening.title}”." if convening else ""
        if stage == Stage.SUBMITTED:
            return f"Sent to {page.audience or 'its decision-maker'}."
        if stage == Stage.IMPLEMENTED:
            return page.implementation_account
        if stage == Stage.WITHDRAWN:
            return "The table withdrew it to redraft with the peer groups."
        return ""

    def endorsements_for(self, page, path, times) -> list[Endorsement]:
        """Up to five organizations endorse it; a peer-led one first where the table asks."""
        if not path:
            return []
        table_seated = self.seated[page.round_table_id]
        until = times[path.index(Stage.SUBMITTED)] if Stage.SUBMITTED in path else times[-1]
        peers = [o for o in table_seated if o.peer_led] or self.peer_led
        endorsers = [self.random.choice(peers)]
        endorsers += self.random.sample(
            table_seated, min(len(table_seated), self.random.randint(0, 4))
        )
        unique = list({o.pk: o for o in endorsers}.values())
        return [
            Endorsement(
                recommendation_id=page.pk,
                organization=organization,
                representative=self.representative.get(organization.pk),
                statement=f"{organization.name} has seen this need first-hand and supports it.",
                endorsed_on=timezone.localdate(
                    times[0] + (until - times[0]) * self.random.uniform(0.2, 0.95)
                ),
            )
            for organization in unique
        ]

    def funding(self, funded, changes) -> list[FundingCommitment]:
        """The ledger: the first commitment moved each one to funded; the rest follow it."""
        if not funded:
            return []
        extra = max(0, self.scale.funding_commitments - len(funded))
        lines = {page.pk: 1 for page, _, _ in funded}
        for page, _, _ in self.random.choices(funded, k=extra):
            lines[page.pk] += 1
        funders = [o for o in self.organizations if o.kind in {K.FUNDER, K.MUNICIPAL, K.PROVINCIAL}]
        commitments = []
        for page, at, change_index in funded:
            estimate = page.cost_estimate or Decimal("10000")
            count = lines[page.pk]
            # Some are funded in full, most in part.
            share = (
                Decimal("1.0") if page.pk % 3 == 0 else Decimal(self.random.randint(20, 90)) / 100
            )
            amount = (estimate * share / count).quantize(Decimal("0.01"))
            amount = max(amount, Decimal("100.00"))
            for line in range(count):
                day = at + timedelta(days=line * self.random.uniform(5, 30))
                funder = self.random.choice(funders or self.organizations).name
                commitments.append(
                    FundingCommitment(
                        recommendation_id=page.pk,
                        funder=funder,
                        amount=amount,
                        committed_on=timezone.localdate(min(day, self.now)),
                        status=self.random.choice(list(FundingStatus.values)),
                        reference=f"GRANT-{page.pk}-{line + 1}",
                    )
                )
                if line == 0:
                    changes[
                        change_index
                    ].note = f"First funding commitment: ${amount:,.2f} from {funder}."
        return commitments

    # Access, agenda links, search ------------------------------------------------------------

    def access(self) -> None:
        """Each table's groups, permissions and privacy, as publishing a table sets them."""
        for table in RoundTablePage.objects.all():
            table.sync_access()
        self.counts["view_restrictions"] = PageViewRestriction.objects.count()
        self.say(
            f"access for {len(self.tables)} tables ({self.counts['view_restrictions']} private)"
        )

    def agenda_references(self) -> None:
        """Agendas of upcoming convenings discuss open needs and recommendations of the table.

        The pages of the needs and recommendations read "discussed at" from
        Wagtail's reference index, so it is updated for these convenings.
        """
        recommendations_at = defaultdict(list)
        for page in self.recommendation_pages:
            recommendations_at[page.round_table_id].append(page)
        updated = []
        for table in self.tables:
            needs = [n for n in self.needs_at[table.pk] if n.status == Need.Status.OPEN][:20]
            for page in self.upcoming[table.pk]:
                discussed = self.random.sample(needs, min(2, len(needs)))
                recommendations = self.random.sample(
                    recommendations_at[table.pk], min(1, len(recommendations_at[table.pk]))
                )
                page.agenda = [
                    ("item", {
                        "title": "Welcome, land acknowledgement and check-in",
                        "minutes": 15, "lead": "The facilitators", "description": "",
                        "needs": [], "recommendations": [],
                    }),
                    ("item", {
                        "title": "Open needs from member organizations",
                        "minutes": 45, "lead": "Member organizations", "description": "",
                        "needs": discussed, "recommendations": [],
                    }),
                    ("pause", {"label": "Meal break", "minutes": 30}),
                    ("item", {
                        "title": "Recommendations on their way to council",
                        "minutes": 45, "lead": "The facilitators", "description": "",
                        "needs": [], "recommendations": recommendations,
                    }),
                ]  # fmt: skip
                updated.append(page)
        ConveningPage.objects.bulk_update(updated, ["agenda"], batch_size=500)
        for page in updated:
            ReferenceIndex.create_or_update_for_object(page)
        self.say(f"agendas and references for {len(updated)} upcoming convenings")

    def revisions(self) -> None:
        """Each page's first revision, as publishing it saves one: the admin's history
        starts there, and the page's latest and live revisions are it."""
        page_type = ContentType.objects.get_for_model(Page)
        made = 0
        for model, pages in [
            (RoundTablePage, self.tables),
            (ConveningPage, self.convening_pages),
            (RecommendationPage, self.recommendation_pages),
        ]:
            content_type = ContentType.objects.get_for_model(model)
            # A revision holds the page with its inline rows and chosen items.
            related = [relation.get_accessor_name() for relation in get_all_child_relations(model)]
            related += [field.name for field in get_all_child_m2m_relations(model)]
            for start in range(0, len(pages), BATCH):
                chunk = (
                    model.objects.filter(pk__in=[page.pk for page in pages[start : start + BATCH]])
                    .prefetch_related(*related)
                    .order_by("pk")
                )
                revisions = Revision.objects.bulk_create(
                    [
                        Revision(
                            content_type=content_type,
                            base_content_type=page_type,
                            object_id=str(page.pk),
                            created_at=page.last_published_at,
                            user_id=page.owner_id,
                            object_str=str(page),
                            content=page.serializable_data(),
                        )
                        for page in chunk
                    ]
                )
                made += len(revisions)
        # Each page's latest and live revision is the one just made for it.
        revision = (
            Revision.objects.filter(
                base_content_type=page_type, object_id=Cast(OuterRef("pk"), CharField())
            )
            .order_by("-pk")
            .values("pk")[:1]
        )
        Page.objects.descendant_of(self.index).filter(live_revision__isnull=True).update(
            latest_revision=Subquery(revision),
            live_revision=Subquery(revision),
            latest_revision_created_at=F("last_published_at"),
        )
        self.counts["revisions"] = made
        self.say(f"{made} page revisions")

    def search_index(self) -> None:
        """Index what the site searches, in bulk through the search backend."""
        backend = get_search_backend()
        indexed = 0
        for model, objects in [
            (Community, self.communities),
            (Organization, self.organizations),
            (RoundTablePage, self.tables),
            (ConveningPage, self.convening_pages),
            (RecommendationPage, self.recommendation_pages),
            (Need, self.need_rows),
        ]:
            for start in range(0, len(objects), BATCH):
                backend.add_bulk(model, objects[start : start + BATCH])
            indexed += len(objects)
        self.say(f"search index: {indexed} entries")


# Existing content -------------------------------------------------------------------------------


def has_content() -> bool:
    """Whether the site already has communities, organizations, round tables or needs."""
    return any(model.objects.exists() for model in (Community, Organization, RoundTablePage, Need))


def flush_content(progress: Callable[[str], None] = print) -> None:
    """Delete every community, organization, round table (and all under it) and need,
    and the accounts an earlier seeding made. The home page and /round-tables/ stay."""
    with transaction.atomic(), disable_reference_index_auto_update():
        for model in (Notification, Follow, StageChange, FundingCommitment, Endorsement):
            model.objects.all().delete()
        # Roles go while their tables are still there, so each table's access is
        # brought in step once more (and nothing refers to the tables any longer).
        RoundTableRole.objects.all().delete()
        groups = set()
        for pair in RoundTablePage.objects.values_list("facilitator_group", "member_group"):
            groups |= set(pair)
        RoundTableIndexPage.objects.get().get_descendants().delete()
        progress("Round tables, convenings and recommendations deleted.")
        Group.objects.filter(pk__in=groups - {None}).delete()
        for model in (Need, Organization, Community):
            model.objects.all().delete()
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
        Tag.objects.filter(
            convenings_taggedneed_items__isnull=True,
            recommendations_taggedrecommendation_items__isnull=True,
        ).delete()
        # Uses recorded from or to what is gone are gone too.
        gone = ContentType.objects.get_for_models(
            Need, Organization, Community, Membership, RoundTableRole, RoundTablePage,
            ConveningPage, RecommendationPage, ConveningAttendance, Endorsement,
            FundingCommitment,
        ).values()  # fmt: skip
        pages = Page.objects.values_list("pk", flat=True)
        page_type = ContentType.objects.get_for_model(Page)
        ReferenceIndex.objects.filter(
            Q(content_type__in=gone)
            | Q(to_content_type__in=gone)
            | Q(to_content_type=page_type) & ~Q(to_object_id__in=[str(pk) for pk in pages])
        ).delete()
    progress("The existing content is deleted.")
