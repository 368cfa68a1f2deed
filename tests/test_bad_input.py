"""Bad input gets a clear answer and changes nothing.

Property-based tests (hypothesis) of every form and filter on the site: each
target gets overlong, empty and blank values, awkward unicode (NUL, direction
marks, emoji, combining characters, surrogate halves sent as raw bytes),
injection-shaped text, malformed numbers, dates, choices and ids, repeated
parameters and missing fields, mixed with valid values so that the success
paths run too. Every answer must be below 500; after a POST that was not a
success (a redirect with a success message), no row of any kind has changed.
Visitors' answers never contain a members-only title. After a success, every
stored piece of typed text is one a feed, a calendar and an email header can
carry (``commontable.core.plain_text``).

The totals (inputs tried and server errors, per target) are printed at the end
of the module's run.
"""

from collections import Counter
from datetime import timedelta
from operator import attrgetter
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from taggit.models import Tag
from wagtail.models import Page

from commontable.core.plain_text import one_line, printable
from commontable.models import User
from convenings.models import Corroboration, Need, Registration, RoundTableRole
from recommendations.forms import StageForm
from recommendations.models import (
    Endorsement,
    Follow,
    FundingCommitment,
    Notification,
    RecommendationPage,
    StageChange,
)
from recommendations.notifications import unsubscribe_token
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

fuzz = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What is tried -----------------------------------------------------------------------------

INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE convenings_need; --",
    '" OR ""="',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7|add:7 }}",
    "{% debug %}",
    "${7*7}",
    "%00",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "javascript:alert(1)",
    "//evil.example/",
    '=HYPERLINK("http://evil.example")',
    "AND",
    "NEAR(",
    '"',
    "*",
]
MALFORMED = [
    "-1",
    "0",
    "00",
    "1.5",
    "1e309",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "\uff11\uff12",  # full-width digits
    "²",
    "٣",  # Arabic-Indic digit
    "9" * 30,
    "-" + "9" * 30,
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2024-13-01",
    "yesterday",
    "true",
    "null",
    "None",
    "[]",
    "{}",
]
UNICODE = [
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",  # direction marks
    "\u200b\ufeff",  # zero width space, byte order mark
    "😀🏳️‍🌈",
    "e\u0301\u0301\u0301",  # combining accents
    "Z̴̡̢͎a̶̧̛l̷g̵o̷",
    "\U0010ffff",
    "\u2028\u2029",
    "ǅungla İstanbul ß ﬁ",
    "\r\n\t",
    "a\x0bb\x1bc\x7f\x9b\ufffe",  # controls XML, iCalendar and email headers refuse
    "Title\r\nBcc: everyone@example.org",  # a header of its own, in a one-line field
]
# Surrogate halves cannot travel in UTF-8: a client_for would send these bytes.
SURROGATE_BYTES = [b"\xed\xa0\x80", b"a\xed\xb2\xa9b", b"\xff\xfe", b"\xc0\xaf"]

overlong = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "é", "😀", "\x00", "a b ", "<b>"]),
    st.integers(min_value=2_500, max_value=3_000),
)
blank = st.text(alphabet=" \t\r\n\u00a0\u2003\u3000", max_size=5)
awkward_text = st.one_of(
    st.sampled_from(INJECTIONS),
    st.sampled_from(MALFORMED),
    st.sampled_from(UNICODE),
    st.sampled_from(SURROGATE_BYTES),
    st.text(max_size=40),
    blank,
    overlong,
)


class Ref(str):
    """A value known once the site is built: the dotted name of an attribute of ``world``."""


def form(**fields: tuple) -> st.SearchStrategy:
    """A form's data: each field a valid value (one of those given), up to three spoiled.

    A spoiled field holds an awkward value, is repeated (a list where one value is
    expected) or is missing. Most inputs are nearly right, so they get past the
    first checks to the deeper ones, and the success paths run too.
    """

    @st.composite
    def data(draw) -> dict:
        spoiled = draw(st.lists(st.sampled_from(list(fields)), max_size=3, unique=True))
        result = {}
        for name, valid in fields.items():
            choice = st.sampled_from(valid) if valid else awkward_text
            how = (
                draw(st.sampled_from(["awkward", "repeated", "missing"])) if name in spoiled else ""
            )
            if how == "awkward":
                result[name] = draw(awkward_text)
            elif how == "repeated":
                result[name] = draw(st.lists(choice | awkward_text, min_size=2, max_size=3))
            elif how != "missing":
                result[name] = draw(choice)
        return result

    return data()


def encoded(data: dict, world: SimpleNamespace) -> str:
    """The data as a client_for would encode it: bytes pass as they are, text as UTF-8."""

    def raw(item):
        if isinstance(item, Ref):
            item = str(attrgetter(item)(world))
        return item if isinstance(item, bytes) else item.encode("utf-8", "surrogatepass")

    pairs = [
        (name, raw(item))
        for name, items in data.items()
        for item in (items if isinstance(items, list) else [items])
    ]
    return urlencode(pairs)


def path_segment(text: str | bytes) -> str:
    """Anything, quoted to stand as one segment of a path."""
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    return quote(text, safe="")


# The site and the people trying it --------------------------------------------------------

SECRET_TITLES = [
    "Hidden fuzz table",
    "Secret fuzz convening",
    "Secret fuzz recommendation",
    "Secret fuzz need",
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One site for the whole module, built once and rolled back at the end.

    Every test runs in its own savepoint inside it (pytest-django's ``db``),
    so what one test changes does not reach the next.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        community = CommunityFactory(name="Fuzz Town", slug="fuzz-town")
        poster_org = OrganizationFactory(name="Poster org", slug="poster-org")
        own_org = OrganizationFactory(name="Own org", slug="own-org")
        public_table = RoundTablePageFactory(
            title="Fuzz table",
            slug="fuzz-table",
            community=community,
            member_organizations=[own_org],
        )
        hidden_table = RoundTablePageFactory(
            title=SECRET_TITLES[0], slug="hidden-fuzz-table", members_only=True
        )
        member = MembershipFactory(organization=own_org, can_represent=True).user
        MembershipFactory(user=member, organization=poster_org)
        facilitator = UserFactory(with_totp=True)
        RoundTableRoleFactory(
            round_table=public_table, user=facilitator, role=RoundTableRole.Role.FACILITATOR
        )
        upcoming = ConveningPageFactory(
            parent=public_table, title="Upcoming fuzz convening", slug="upcoming", capacity=5
        )
        past = ConveningPageFactory(
            parent=public_table,
            title="Past fuzz convening",
            slug="past",
            starts_at=timezone.now() - timedelta(days=7),
        )
        ConveningPageFactory(parent=hidden_table, title=SECRET_TITLES[1], slug="secret")
        draft = RecommendationPageFactory(parent=public_table, title="Draft idea", slug="draft")
        draft.tags.add("housing")
        draft.save_revision().publish()
        submitted = RecommendationPageFactory(
            parent=public_table, title="Submitted idea", slug="submitted"
        )
        adopted = RecommendationPageFactory(
            parent=public_table, title="Adopted idea", slug="adopted", cost_estimate=1000
        )
        RecommendationPage.objects.filter(pk=submitted.pk).update(stage="submitted")
        RecommendationPage.objects.filter(pk=adopted.pk).update(stage="adopted")
        RecommendationPageFactory(parent=hidden_table, title=SECRET_TITLES[2], slug="secret-idea")
        own_need = NeedFactory(
            title="Own fuzz need",
            community=community,
            organization=poster_org,
            posted_by=member,
            round_table=public_table,
        )
        own_need.tags.add("housing")
        other_need = NeedFactory(title="Other fuzz need", community=community)
        insider = MembershipFactory().user
        RoundTableRoleFactory(round_table=hidden_table, user=insider)
        NeedFactory(
            title=SECRET_TITLES[3],
            visibility=Need.Visibility.MEMBERS,
            round_table=hidden_table,
            community=community,
            organization=insider.memberships.get().organization,
            posted_by=insider,
        )
        follow = Follow.objects.create(user=member, kind="recommendation", recommendation=draft)
        # Something for each withdrawal and cancellation to take back.
        Corroboration.objects.create(need=other_need, organization=own_org, user=member)
        draft.endorse(by=member, organization=own_org, statement="We see it too.")
        later = ConveningPageFactory(
            parent=public_table,
            title="Later fuzz convening",
            slug="later",
            starts_at=timezone.now() + timedelta(days=30),
        )
        later.register(user=member)
        yield SimpleNamespace(
            community=community,
            poster_org=poster_org,
            own_org=own_org,
            public_table=public_table,
            member=member,
            facilitator=facilitator,
            upcoming=upcoming,
            past=past,
            draft=draft,
            submitted=submitted,
            adopted=adopted,
            own_need=own_need,
            other_need=other_need,
            follow=follow,
        )
        transaction.set_rollback(True)


# Tally, requests and what may change --------------------------------------------------------

TALLY: dict[str, Counter] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_totals(request):
    """Print, per target and in all: inputs tried, answers by kind, and server errors."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not TALLY:
        return
    total = sum(TALLY.values(), Counter())
    with capture.global_and_fixture_disabled():
        reporter.write_sep("-", "bad input tried")
        for target, counts in [*sorted(TALLY.items()), ("total", total)]:
            reporter.write_line(
                f"{target:<36} {counts['tried']:>5} inputs: {counts['2xx']:>4} 2xx, "
                f"{counts['3xx']:>4} 3xx, {counts['4xx']:>4} 4xx; {counts['changed']:>3} "
                f"accepted changes; {counts['5xx']} server errors"
            )


@pytest.fixture
def client_for():
    """A client_for for a person (or a visitor, for None) that reports errors as responses.

    A person's client_for is signed in once and kept for all of a test's inputs
    (signing in is slow); each request starts without the last one's messages.
    """
    signed_in = {}

    def browser_for(user=None) -> Client:
        if user is None:
            return Client(raise_request_exception=False)
        if user.pk not in signed_in:
            signed_in[user.pk] = Client(raise_request_exception=False)
            signed_in[user.pk].force_login(user)
        client = signed_in[user.pk]
        client.cookies.pop("messages", None)
        return client

    return browser_for


def send(world, client: Client, method: str, path: str, data: dict, *, target: str):
    """Send the data, count it, and fail on any server error (with its traceback)."""
    cache.clear()  # rate limits and cached pages start afresh for every input
    query = encoded(data, world)
    if method == "GET":
        response = client.get(f"{path}?{query}" if query else path)
    else:
        response = client.post(path, query, content_type="application/x-www-form-urlencoded")
    counts = TALLY.setdefault(target, Counter())
    counts["tried"] += 1
    counts[f"{response.status_code // 100}xx"] += 1
    if response.status_code >= 500:
        error = response.exc_info[1] if response.exc_info else None
        pytest.fail(f"{method} {path} {data!r} answered {response.status_code}: {error!r}")
    return response


def rows() -> dict:
    """How many rows of everything a form could change, and the state of needs and stages."""
    counted = [
        Need,
        Corroboration,
        Registration,
        StageChange,
        FundingCommitment,
        Endorsement,
        Follow,
        Notification,
        User,
        EmailAddress,
    ]
    return {
        **{model.__name__: model.objects.count() for model in counted},
        "needs": list(Need.objects.order_by("pk").values()),
        "stages": list(RecommendationPage.objects.order_by("pk").values_list("pk", "stage")),
        "pages": Page.objects.count(),
    }


def uncarriable_text() -> list[tuple[str, str, str]]:
    """Stored typed text a feed, calendar or email header could not carry, or a broken line.

    Every text field of the site's own models (one line unless it is a
    ``TextField`` or declared multi-line), page titles and tag names.
    """
    fields = [
        (model, field)
        for app in ("commontable", "convenings", "recommendations")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    ]
    fields += [(Page, Page._meta.get_field("title")), (Tag, Tag._meta.get_field("name"))]
    found = []
    for model, field in fields:
        multiline = isinstance(field, models.TextField) or getattr(field, "multiline", False)
        keep = printable if multiline else one_line
        for value in model.objects.exclude(**{field.attname: ""}).values_list(
            field.attname, flat=True
        ):
            if value is not None and keep(value) != value:
                found.append((model.__name__, field.name, value))
    return found


def said_success(response) -> bool:
    """A redirect with a success message: the one answer after which something changed."""
    if response.status_code != 302:
        return False
    return any(m.level == messages.SUCCESS for m in get_messages(response.wsgi_request))


def post_and_check(world, client, path, data, *, target, succeeded=said_success):
    """POST; unless the answer is a success, nothing anywhere has changed."""
    before = rows()
    response = send(world, client, "POST", path, data, target=target)
    if succeeded(response):
        TALLY[target]["changed"] += 1
        assert uncarriable_text() == [], (target, data)
    else:
        assert rows() == before, (target, data, response.status_code)
    return response


def get_and_check(world, client, path, data, *, target):
    """GET; a visitor's answer never names anything members-only."""
    response = send(world, client, "GET", path, data, target=target)
    visitor = not response.wsgi_request.user.is_authenticated
    if visitor and response.status_code == 200 and not response.streaming:
        body = response.content.decode("utf-8", "replace")
        for title in SECRET_TITLES:
            assert title not in body, (target, data)
    return response


# Filters and search --------------------------------------------------------------------------

# Slugs that exist, and one that is members-only: no visitor may learn it exists.
COMMUNITIES = ("fuzz-town", "")
TAGS = ("housing", "")
TABLES = ("fuzz-table", "hidden-fuzz-table", "")
PAGES = ("1", "2", "0", "-1", "last", "99999999999999999999")

need_filters = form(
    q=("housing", "need"),
    community=COMMUNITIES,
    tag=TAGS,
    urgency=(*Need.Urgency.values, ""),
    status=(*Need.Status.values, ""),
    round_table=TABLES,
    sort=("newest", "corroborated", "urgency"),
    page=PAGES,
)
recommendation_filters = form(
    q=("idea", "housing"),
    community=COMMUNITIES,
    stage=("draft", "submitted", "adopted", ""),
    decision_maker=("municipal_council", ""),
    tag=TAGS,
    funding=("none", "partial", "full", ""),
    sort=("newest", "moved", "clarity", "corroborated"),
    page=PAGES,
)


@pytest.mark.parametrize("name", ["need_list", "need_csv"])
@fuzz
@given(fields=need_filters, signed_in=st.booleans())
@example(fields={"community": "\x00"}, signed_in=False)
def test_needs_list_and_export_filters(world, client_for, name, fields, signed_in):
    client = client_for(world.member if signed_in else None)
    get_and_check(world, client, reverse(name), fields, target=name)


@pytest.mark.parametrize(
    "name",
    [
        "recommendation_list",
        "recommendation_csv",
        "recommendation_feed",
        "recommendation_list_brief",
    ],
)
@fuzz
@given(fields=recommendation_filters, signed_in=st.booleans())
@example(fields={"tag": "a\x00b"}, signed_in=False)
def test_recommendation_lists_and_exports(world, client_for, name, fields, signed_in):
    client = client_for(world.member if signed_in else None)
    get_and_check(world, client, reverse(name), fields, target=name)


@fuzz
@given(fields=form(q=("housing", "idea"), page=PAGES), signed_in=st.booleans())
def test_search(world, client_for, fields, signed_in):
    client = client_for(world.member if signed_in else None)
    get_and_check(world, client, reverse("search"), fields, target="search")


ADDRESSES = {
    "/communities/{}/": COMMUNITIES,
    "/communities/{}/feed/": COMMUNITIES,
    "/round-tables/{}/feed/": TABLES,
    "/round-tables/{}/calendar.ics": TABLES,
    "/round-tables/fuzz-table/{}/calendar.ics": ("upcoming", "past", "later"),
    "/round-tables/hidden-fuzz-table/{}/calendar.ics": ("secret",),
}


@st.composite
def address(draw) -> str:
    """A dashboard, feed or calendar, named rightly or with anything in place of its slug."""
    template, slugs = draw(st.sampled_from(list(ADDRESSES.items())))
    return template.format(path_segment(draw(st.sampled_from(slugs) | awkward_text)))


@fuzz
@given(path=address(), fields=form(page=PAGES, q=()))
def test_dashboards_feeds_and_calendars(world, client_for, path, fields):
    get_and_check(world, client_for(), path, fields, target="dashboard, feeds, calendars")


# The needs board -------------------------------------------------------------------------

need_fields = {
    "title": ("Shelter beds",),
    "description": ("Not enough beds on cold nights.",),
    "who_is_affected": ("People sleeping outside",),
    "community": (Ref("community.pk"),),
    "tags": ("housing", "housing, winter"),
    "urgency": tuple(Need.Urgency.values),
    "evidence": ("Counts from the drop-in.",),
    "organization": (Ref("poster_org.pk"), Ref("own_org.pk")),
    "attribution": tuple(Need.Attribution.values),
    "visibility": tuple(Need.Visibility.values),
    "round_table": (Ref("public_table.pk"), ""),
    "convening": (Ref("upcoming.pk"), ""),
}


# A need as a person would post it, for the examples below.
NEED = {name: values[0] for name, values in need_fields.items()}


@fuzz
@given(fields=form(**need_fields))
@example(fields={**NEED, "convening": "9" * 30})  # was an OverflowError on SQLite
@example(fields={**NEED, "tags": "x" * 101})  # was a 500 on PostgreSQL, after saving the need
@example(  # was stored as typed, and broke every feed, calendar or email that showed it
    fields={
        **NEED,
        "title": "Shelter\x0b\r\nbeds",
        "description": "Cold\x1b nights.\r\nNo beds\ufffe.",
        "who_is_affected": "People\r\noutside",
        "tags": "winter\x0b, cold\r\nnights",
    }
)
def test_needs_form_new(world, client_for, fields):
    post_and_check(
        world, client_for(world.member), reverse("need_create"), fields, target="needs form (new)"
    )


@fuzz
@given(fields=form(**need_fields, status=tuple(Need.Status.values)))
@example(fields={**NEED, "status": "open", "tags": "housing, " + "x" * 2600})
def test_needs_form_edit(world, client_for, fields):
    path = reverse("need_edit", args=[world.own_need.pk])
    post_and_check(world, client_for(world.member), path, fields, target="needs form (edit)")


@pytest.mark.parametrize("name", ["need_corroborate", "need_withdraw"])
@fuzz
@given(
    fields=form(organization=(Ref("own_org.pk"), Ref("poster_org.pk"))),
    need=st.sampled_from(["other_need", "own_need"]),
)
def test_corroborate_and_withdraw(world, client_for, name, fields, need):
    path = reverse(name, args=[getattr(world, need).pk])
    post_and_check(world, client_for(world.member), path, fields, target=name)


# Convenings -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["convening_register", "convening_cancel"])
@fuzz
@given(
    fields=form(organization=(Ref("own_org.pk"), ""), anonymous=("on", "true", "false", "")),
    convening=st.sampled_from(["upcoming", "later", "past"]),
)
def test_convening_register_and_cancel(world, client_for, name, fields, convening):
    path = reverse(name, args=["fuzz-table", convening])
    post_and_check(world, client_for(world.member), path, fields, target=name)


convening_fields = {
    "title": ("Autumn fuzz convening",),
    "starts_at": ("2031-10-02T18:00", "2031-03-09T02:30"),  # the second is in a clock change
    "ends_at": ("2031-10-02T20:30",),
    "time_zone": ("America/Vancouver", "America/Dawson_Creek"),
    "format": ("in_person", "online", "hybrid"),
    "area": ("Downtown",),
    "address": ("1 Main Street",),
    "online_link": ("https://meet.example.org/autumn",),
    "capacity": ("30", ""),
    "interpretation": ("ASL",),
    "accessibility_notes": ("Step-free entrance.",),
}
CONVENING = {name: values[0] for name, values in convening_fields.items()}


@fuzz
@given(fields=form(**convening_fields))
@example(  # year 10000 in UTC: was an OverflowError
    fields={**CONVENING, "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:00"}
)
@example(fields={**CONVENING, "title": "Autumn\r\nBcc: everyone@example.org\x0b"})
def test_convening_schedule(world, client_for, fields):
    path = reverse("convening_create", args=["fuzz-table"])
    post_and_check(world, client_for(world.facilitator), path, fields, target="convening schedule")


# Recommendations -------------------------------------------------------------------------

recommendation = st.sampled_from(["draft", "submitted", "adopted"])


@fuzz
@given(
    fields=form(
        action=tuple(action for action, _ in StageForm.ACTIONS),
        seen_stage=("draft", "proposed", "submitted", "adopted"),
        convening=(Ref("past.pk"), Ref("upcoming.pk")),
        decided_on=("2025-01-31", "2020-02-29"),
        link=("https://council.example/motion/7",),
        note=("Moved at the table.",),
    ),
    slug=recommendation,
)
@example(  # was an OverflowError on SQLite
    fields={"action": "endorse", "seen_stage": "proposed", "convening": "9" * 30}, slug="draft"
)
@example(  # a vertical tab in a note made every feed that included it fail
    fields={
        "action": "propose",
        "seen_stage": "draft",
        "note": "Moved\x0b at the table.\r\n",
        "link": "https://council.example/motion/7\x1b",
    },
    slug="draft",
)
@example(
    fields={"action": "adopted", "seen_stage": "submitted", "decided_on": "9999-12-31"},
    slug="submitted",
)
def test_stage_change_and_decision(world, client_for, fields, slug):
    path = reverse("recommendation_stage", args=["fuzz-table", slug])
    post_and_check(
        world, client_for(world.facilitator), path, fields, target="stage change / decision"
    )


@fuzz
@given(
    fields=form(
        funder=("City of Fuzz Town",),
        amount=("1200", "0.01", "1200.50"),
        committed_on=("2025-01-31",),
        status=("pledged", "confirmed", "disbursed"),
        reference=("G-7",),
    ),
    slug=recommendation,
)
@example(
    fields={
        "funder": "City\r\nof\x0b Fuzz Town",
        "amount": "1200",
        "committed_on": "2025-01-31",
        "status": "pledged",
        "reference": "G-7\x1b\r\n",
    },
    slug="adopted",
)
@example(
    fields={"funder": "City", "amount": "1", "committed_on": "9999-12-31", "status": "pledged"},
    slug="adopted",
)
def test_funding(world, client_for, fields, slug):
    path = reverse("recommendation_funding", args=["fuzz-table", slug])
    post_and_check(world, client_for(world.facilitator), path, fields, target="funding")


@pytest.mark.parametrize("name", ["recommendation_endorse", "recommendation_withdraw_endorsement"])
@fuzz
@given(
    fields=form(
        organization=(Ref("own_org.pk"), Ref("poster_org.pk")), statement=("We need this.",)
    ),
    slug=recommendation,
)
@example(
    fields={"organization": Ref("own_org.pk"), "statement": "We\x0b need\x1b this."},
    slug="submitted",
)
def test_endorse_and_withdraw_endorsement(world, client_for, name, fields, slug):
    path = reverse(name, args=["fuzz-table", slug])
    post_and_check(world, client_for(world.member), path, fields, target=name)


# Follows and unsubscribing ---------------------------------------------------------------


@fuzz
@given(
    fields=form(
        kind=("recommendation", "round_table", "community", "tag"),
        target=(Ref("draft.pk"), Ref("public_table.pk"), Ref("community.pk"), "housing"),
        frequency=("immediate", "weekly"),
        next=("/recommendations/", "https://evil.example/"),
    )
)
@example(fields={"kind": "tag", "target": "housing", "next": "' OR 1=1 --"})  # was NoReverseMatch
@example(fields={"kind": "round_table", "target": "9" * 30})  # was an OverflowError on SQLite
def test_follow(world, client_for, fields):
    post_and_check(world, client_for(world.member), reverse("follow"), fields, target="follow")


@fuzz
@given(
    follow=st.one_of(
        st.sampled_from(["own", "none", "huge"]), st.integers(min_value=0, max_value=10**6)
    ),
    fields=form(next=()),
)
@example(follow="huge", fields={})
def test_unfollow(world, client_for, follow, fields):
    # The member's own follow, someone else's or none, or an id no database holds.
    pk = {"own": world.follow.pk, "none": 0, "huge": 10**30}.get(follow, follow)
    path = reverse("unfollow", args=[pk])
    post_and_check(world, client_for(world.member), path, fields, target="unfollow")


def unsubscribed(response) -> bool:
    return response.status_code == 200 and bool(response.context and response.context.get("done"))


@fuzz
@given(token=st.one_of(st.sampled_from(["valid", "tampered"]), awkward_text), post=st.booleans())
def test_unsubscribe_tokens(world, client_for, token, post):
    if token in ("valid", "tampered"):
        real = unsubscribe_token(world.member)
        token = real if token == "valid" else real[:-2] + "xx"
    path = "/unsubscribe/" + path_segment(token) + "/"
    if post:
        post_and_check(world, client_for(), path, {}, target="unsubscribe", succeeded=unsubscribed)
    else:
        before = rows()
        send(world, client_for(), "GET", path, {}, target="unsubscribe")
        assert rows() == before


# Accounts (allauth) ------------------------------------------------------------------------

EMAILS = ("someone@example.org", "person@example.org", "PERSON@EXAMPLE.ORG")


def redirected(response) -> bool:
    return response.status_code == 302


@fuzz
@given(
    fields=form(
        login=(Ref("member.email"), *EMAILS), password=("a-long-test-passphrase",), remember=("on",)
    )
)
def test_sign_in(world, client_for, fields):
    path = reverse("account_login")
    post_and_check(world, client_for(), path, fields, target="sign in", succeeded=redirected)


@fuzz
@given(
    fields=form(
        email=EMAILS,
        display_name=("River",),
        password1=("a-long-test-passphrase",),
        password2=("a-long-test-passphrase",),
    )
)
def test_sign_up(world, client_for, fields):
    path = reverse("account_signup")
    post_and_check(world, client_for(), path, fields, target="sign up", succeeded=redirected)


@fuzz
@given(fields=form(email=EMAILS))
def test_password_reset(world, client_for, fields):
    # Asking for a reset changes no row, whatever the answer.
    path = reverse("account_reset_password")
    post_and_check(
        world, client_for(), path, fields, target="password reset", succeeded=lambda _: False
    )
