"""The JSON API against its own OpenAPI schema, with schemathesis.

Every operation in /api/v1/openapi.json gets generated requests, valid and
invalid (NUL bytes, huge and negative numbers, unknown choices, repeated and
missing parameters, odd path values), sent in-process through WSGI to the
whole site, as a visitor, with public and members-only content in the
database. Every response goes through schemathesis' default checks (no server
error, documented status code, content type, headers and body, valid data
accepted, invalid data refused) and one of ours: no members-only title in any
response. The totals are printed at the end of the module's run.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure
from schemathesis.openapi.checks import RejectedPositiveData

from commontable.wsgi import application
from convenings.models import Need
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
)

MEMBERS_ONLY_TITLES = (
    "Hidden table of the schema run",
    "Secret convening of the schema run",
    "Secret recommendation of the schema run",
    "Secret need of the schema run",
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# Ids and slugs that exist (public and members-only), filled in once the content is made.
EXISTING: dict[str, list] = {}
TALLY: dict[str, Counter] = {}


@pytest.fixture(scope="module")
def api_content(django_db_setup, django_db_blocker):
    """Public and members-only content of every kind the API lists, made once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        community = CommunityFactory(name="Schema Town", slug="schema-town")
        open_table = RoundTablePageFactory(
            title="Open table", slug="open-table", community=community
        )
        hidden_table = RoundTablePageFactory(
            title=MEMBERS_ONLY_TITLES[0], slug="hidden-schema-table", members_only=True
        )
        convenings = [
            ConveningPageFactory(parent=open_table, title="Open convening", slug="open-meeting"),
            ConveningPageFactory(parent=hidden_table, title=MEMBERS_ONLY_TITLES[1], slug="secret"),
        ]
        open_recommendation = RecommendationPageFactory(parent=open_table, title="Open idea")
        open_recommendation.tags.add("shelter")
        open_recommendation.save_revision().publish()
        recommendations = [
            open_recommendation,
            RecommendationPageFactory(parent=hidden_table, title=MEMBERS_ONLY_TITLES[2]),
        ]
        insider = MembershipFactory().user
        RoundTableRoleFactory(round_table=hidden_table, user=insider)
        open_need = NeedFactory(title="Open need", community=community, round_table=open_table)
        open_need.tags.add("shelter")
        needs = [
            open_need,
            NeedFactory(
                title=MEMBERS_ONLY_TITLES[3],
                visibility=Need.Visibility.MEMBERS,
                round_table=hidden_table,
                community=community,
                organization=insider.memberships.get().organization,
                posted_by=insider,
            ),
        ]
        EXISTING.update(
            recommendations=[page.pk for page in recommendations],
            needs=[need.pk for need in needs],
            convenings=[page.pk for page in convenings],
            slugs=["schema-town", "open-table", "hidden-schema-table"],
        )
        yield
        transaction.set_rollback(True)


@pytest.fixture
def same_connection_for_requests():
    """Keep the test's transaction open across the site's requests, as Django's test client does.

    Django closes a connection it finds inside a transaction when a request
    starts or ends; schemathesis calls the WSGI application directly.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report_totals(request):
    """Print the requests sent, answers by kind and server errors, per operation and in all."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not TALLY:
        return
    total = sum(TALLY.values(), Counter())
    with capture.global_and_fixture_disabled():
        reporter.write_sep("-", "schemathesis requests")
        for operation, counts in [*sorted(TALLY.items()), ("total", total)]:
            reporter.write_line(
                f"{operation:<36} {counts['sent']:>5} requests: {counts['2xx']:>4} 2xx, "
                f"{counts['4xx']:>4} 4xx; {counts['5xx']} server errors"
            )


# The filters that name an object by its slug; the schema cannot list the slugs.
SLUG_FILTERS = {"community", "tag", "round_table"}


@schema.hook
def filter_failure(context, failure: Failure, case, response) -> bool:
    """Keep every failure but one expected answer: a slug no one may see is a 400 naming it.

    The schema declares these filters as plain strings (their values are the
    site's data), so schemathesis counts any string as valid; the API answers
    a slug that names nothing this reader may see with its documented 400, the
    same for a typo and for a members-only table. Any other 400 to schema-valid
    data still fails.
    """
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    errors = response.json().get("detail", [])
    return not errors or any(
        error["loc"][-1] not in SLUG_FILTERS or error["type"] != "invalid_filter"
        for error in errors
    )


def no_members_only_title(ctx, response, case) -> None:
    """A visitor never sees a members-only title, whatever the request."""
    for title in MEMBERS_ONLY_TITLES:
        if title in response.text:
            raise AssertionError(f"A visitor was shown the members-only {title!r}")


def point_at_existing(case) -> None:
    """Send most valid requests for a detail to something that exists, public or hidden.

    Generated ids and slugs would otherwise almost never name a real object.
    """
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    kind = case.path.split("/")[-2]  # "/api/v1/needs/{id}" → "needs"
    parameters = case.path_parameters
    if isinstance(parameters.get("id"), int) and kind in EXISTING:
        choices = EXISTING[kind]
        pick = parameters["id"] % (len(choices) + 1)
        if pick < len(choices):
            parameters["id"] = choices[pick]
    if isinstance(parameters.get("slug"), str):
        choices = EXISTING["slugs"]
        pick = len(parameters["slug"]) % (len(choices) + 1)
        if pick < len(choices):
            parameters["slug"] = choices[pick]


@schema.hook
def after_call(context, case, response) -> None:
    """Count every request sent (checks send some of their own) and every server error."""
    counts = TALLY.setdefault(case.operation.label, Counter())
    counts["sent"] += 1
    counts[f"{response.status_code // 100}xx"] += 1


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
@pytest.mark.usefixtures("api_content", "same_connection_for_requests")
def test_every_operation_keeps_to_the_schema(case):
    point_at_existing(case)
    case.call_and_validate(additional_checks=[no_members_only_title])


# What schemathesis found, kept as explicit requests (each was a 500 or broke the schema).
FOUND = [
    # A page's id past what SQLite can compare was an OverflowError.
    ("/api/v1/convenings/{id}", {"id": 61362588629050868105216}, {}),
    ("/api/v1/recommendations/{id}", {"id": 10**30}, {}),
    # A NUL byte in a slug reached PostgreSQL, which refuses to compare it.
    ("/api/v1/round-tables/{slug}", {"slug": "\x00"}, {}),
    ("/api/v1/communities/{slug}", {"slug": "a\x00b"}, {}),
    # An id that is not a number was answered with the site's HTML 404 page.
    ("/api/v1/needs/{id}", {"id": "null,null"}, {}),
    # An empty choice (what the pages' forms send for "any") was undocumented.
    ("/api/v1/recommendations", {}, {"funding": ""}),
    ("/api/v1/needs", {}, {"urgency": "", "community": ""}),
    # A bad page size on the lists without filters was an undocumented 400.
    ("/api/v1/convenings", {}, {"page_size": ["null", "null"]}),
]


@pytest.mark.parametrize(("path", "path_parameters", "query"), FOUND)
@pytest.mark.django_db
@pytest.mark.usefixtures("api_content", "same_connection_for_requests")
def test_what_schemathesis_found_stays_fixed(path, path_parameters, query):
    case = schema[path]["GET"].Case(path_parameters=path_parameters, query=query)
    response = case.call_and_validate(additional_checks=[no_members_only_title])
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/api/v1/recommendations", "/api/v1/needs"])
@pytest.mark.django_db
@pytest.mark.usefixtures("api_content", "same_connection_for_requests")
def test_text_filters_say_a_nul_is_refused_and_refuse_it(path):
    # A NUL in ``q`` was schema-valid, yet refused: the schema now says so.
    operation = schema[path]["GET"]
    for parameter in operation.query:
        definition = parameter.definition["schema"]
        if definition["type"] == "string" and "enum" not in definition:
            assert definition["pattern"] == "^[^\\u0000]*$", parameter.name
            case = operation.Case(query={parameter.name: "a\x00b"})
            assert case.call_and_validate().status_code == 400, parameter.name
