"""The demo: one quiet command, and content whose dates, counts and people agree.

The demo is seeded once for this module (it is slow) and rolled back after
it; each test reads it with queries, as a councillor would read the pages.
"""

import contextlib
import io
import logging
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q, Sum
from django.test import override_settings
from django.utils import timezone

from commontable.devtools.demo import DEMO_ACCOUNTS
from commontable.devtools.demo_content import RECOMMENDATIONS
from commontable.models import User
from convenings.models import (
    Community,
    ConveningPage,
    Corroboration,
    Membership,
    Need,
    Organization,
    Registration,
    RoundTablePage,
    RoundTableRole,
)
from recommendations.models import (
    Endorsement,
    FundingCommitment,
    RecommendationPage,
    StageChange,
)
from recommendations.stages import (
    DECISION_MAKER_BODIES,
    DECISIONS,
    STAGE_ACTIONS,
    Stage,
    path_to,
)
from tests.factories import totp_code

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Community,
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
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def _console_handlers() -> list[logging.StreamHandler]:
    """The log handlers that print to a console (pytest's own capture handlers are subclasses)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return [
        handler
        for logger in loggers
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if type(handler) is logging.StreamHandler
    ]


def printed_by(*command: str) -> str:
    """Everything the command shows on a console: its output, prints and every log line.

    DEBUG is on, as on a developer's machine, so log handlers kept for
    debugging print too.
    """
    console = io.StringIO()
    handlers = _console_handlers()
    streams = [handler.setStream(console) for handler in handlers]
    try:
        with (
            override_settings(DEBUG=True),
            contextlib.redirect_stdout(console),
            contextlib.redirect_stderr(console),
        ):
            call_command(*command, stdout=console, stderr=console)
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)
    return console.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """What the first run of `manage.py demo --no-serve` printed; its content is in the database."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield printed_by("demo", "--no-serve")
        transaction.set_rollback(True)


def local_date(moment, zone=None):
    """The date of ``moment`` where it happened (the site's time zone unless given)."""
    return timezone.localtime(moment, zone).date()


def history(recommendation) -> dict[str, StageChange]:
    """The recommendation's stage changes by the stage they led to (the first of each)."""
    changes = {}
    for change in recommendation.stage_changes.order_by("at", "pk"):
        changes.setdefault(change.to_stage, change)
    return changes


# What the command prints


def test_the_demo_prints_the_accounts_and_little_else(demo):
    lines = demo.splitlines()
    assert len(lines) < 40, demo
    assert "Traceback" not in demo
    assert "Task id=" not in demo
    assert "Demo content created." in demo
    for account in DEMO_ACCOUNTS:
        assert account.email in demo
        assert account.password in demo


def test_the_demo_prints_the_key_of_everyone_who_must_use_an_authenticator(demo):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.has_mfa() is bool(account.authenticator_key), account.email
        if user.requires_mfa():
            assert account.authenticator_key in demo, account.email


def test_running_the_demo_again_adds_nothing_and_says_so(demo):
    before = counts()
    again = printed_by("demo", "--no-serve")
    assert counts() == before
    assert "nothing was added" in again
    assert "Traceback" not in again


def test_the_demo_worker_prints_failed_tasks_but_not_each_task_it_runs():
    # db_worker sets the tasks loggers to INFO itself (its default --verbosity).
    tasks = logging.getLogger("django.tasks")
    level = tasks.level
    console = io.StringIO()
    handlers = _console_handlers()
    streams = [handler.setStream(console) for handler in handlers]
    try:
        tasks.setLevel(logging.INFO)
        tasks.info("Task id=1 path=notifications.send state=SUCCESSFUL")
        tasks.error("Task id=2 path=notifications.send state=FAILED")
    finally:
        tasks.setLevel(level)
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)
    assert "state=SUCCESSFUL" not in console.getvalue()
    assert "Task id=2 path=notifications.send state=FAILED" in console.getvalue()


# What there is


def test_demo_content_meets_the_brief(demo):
    assert Community.objects.count() >= 6
    assert Organization.objects.count() >= 12
    assert Organization.objects.filter(peer_led=True).count() >= 3
    tables = RoundTablePage.objects.live()
    assert tables.count() >= 3
    for table in tables:
        convenings = ConveningPage.objects.filter(round_table=table)
        assert convenings.count() >= 3
        assert all(c.minutes for c in convenings.past())
        assert all(c.agenda for c in convenings.upcoming())
        assert convenings.past().exists() and convenings.upcoming().exists()
    assert tables.filter(members_only=True).exists()


def test_demo_accounts_can_sign_in(demo, client):
    for account in DEMO_ACCOUNTS:
        response = client.post(
            "/accounts/login/", {"login": account.email, "password": account.password}
        )
        assert response.status_code == 302, account.email
        if account.authenticator_key:
            assert response["Location"] == "/accounts/2fa/authenticate/", account.email
            response = client.post(
                response["Location"], {"code": totp_code(account.authenticator_key)}
            )
            assert response.status_code == 302, account.email
        assert int(client.session["_auth_user_id"]) == User.objects.get(email=account.email).pk
        client.logout()


def test_demo_pages_render(demo, client):
    client.force_login(User.objects.get(email="admin@commontable.example"))
    urls = ["/", "/round-tables/", "/admin/"]
    for table in RoundTablePage.objects.all():
        urls += [table.url, f"{table.url}calendar.ics"]
        urls += [c.url for c in ConveningPage.objects.filter(round_table=table)]
    urls += [r.url for r in RecommendationPage.objects.all()]
    for url in urls:
        assert client.get(url).status_code == 200, url


# Needs


def test_needs_have_titles_of_their_own(demo):
    repeated = {
        title: times
        for title, times in Counter(Need.objects.values_list("title", flat=True)).items()
        if times > 1
    }
    assert Need.objects.count() >= 20
    assert not repeated


def test_each_need_belongs_to_its_tables_community_and_convening(demo):
    at_tables = Need.objects.filter(round_table__isnull=False)
    assert at_tables.exists()
    assert not at_tables.exclude(community=F("round_table__community")).exists()
    raised = Need.objects.filter(convening__isnull=False).select_related("convening")
    assert raised.exists()
    for need in raised:
        assert need.convening.round_table_id == need.round_table_id, need.title
        # Raised at the meeting: posted while it was on.
        assert need.convening.starts_at <= need.created_at <= need.convening.ends_at, need.title


def test_needs_and_their_corroborations_are_dated_in_order_and_in_the_past(demo):
    now = timezone.now()
    assert not Need.objects.filter(created_at__gte=now).exists()
    assert not Corroboration.objects.filter(created_at__lt=F("need__created_at")).exists()
    assert not Corroboration.objects.filter(created_at__gt=now).exists()


def test_a_need_comes_before_the_recommendations_that_address_it(demo):
    linked = RecommendationPage.objects.filter(needs__isnull=False).distinct()
    assert linked.exists()
    for recommendation in linked:
        for need in recommendation.needs.all():
            assert need.created_at <= recommendation.first_published_at, need.title
            assert need.status != Need.Status.OPEN, need.title


def test_every_anonymous_credit_in_the_demo_hides_its_organization(demo):
    anonymous = Need.objects.exclude(
        attribution__in=[Need.Attribution.ORGANIZATION, Need.Attribution.PERSON]
    )
    assert anonymous.exists()
    for need in anonymous:
        assert need.attribution_refusal(need.attribution) is None, need.title


# Convenings


def test_convenings_that_took_place_are_past_and_upcoming_ones_are_ahead(demo):
    now = timezone.now()
    held = ConveningPage.objects.exclude(minutes="")
    assert held.exists()
    assert not held.filter(ends_at__gte=now).exists()
    upcoming = ConveningPage.objects.filter(minutes="")
    assert upcoming.exists()
    assert not upcoming.filter(starts_at__lte=now).exists()
    assert not upcoming.filter(attendance__isnull=False).exists()


def test_attendance_and_registrations_fit_in_the_room(demo):
    capped = ConveningPage.objects.filter(capacity__isnull=False)
    for convening in capped.annotate(came=Sum("attendance__people")):
        assert (convening.came or 0) <= convening.capacity, convening.title
        assert convening.registrations.active().count() <= convening.capacity, convening.title
    assert capped.filter(attendance__isnull=False).exists()


def test_places_left_are_shown_only_before_a_convening(demo, client):
    client.force_login(User.objects.get(email="admin@commontable.example"))
    for convening in ConveningPage.objects.filter(capacity__isnull=False):
        body = client.get(convening.url).content.decode()
        if convening.has_ended:
            assert "places left" not in body, convening.title
            assert "This convening has taken place." in body
        else:
            left = convening.capacity - convening.registrations.active().count()
            assert f"{left} of {convening.capacity} places left." in body, convening.title


def test_minutes_name_what_was_endorsed_and_restate_no_counts(demo):
    for convening in ConveningPage.objects.exclude(minutes=""):
        assert not re.search(r"\d+ (organizations|people)", convening.minutes), convening.title
        for recommendation in RecommendationPage.objects.filter(endorsed_at_convening=convening):
            assert recommendation.title in convening.minutes, convening.title


def test_every_table_that_requires_peer_sign_off_has_a_peer_led_member(demo):
    for table in RoundTablePage.objects.filter(peer_signoff_required=True):
        assert table.member_organizations.filter(peer_led=True).exists(), table.title


# Recommendations


def test_each_timeline_runs_in_order_in_the_past(demo):
    now = timezone.now()
    for recommendation in RecommendationPage.objects.all():
        changes = list(recommendation.stage_changes.order_by("at", "pk"))
        stage = "draft"
        moments = [recommendation.first_published_at]
        for change in changes:
            assert change.from_stage == stage, recommendation.title
            stage = change.to_stage
            moments.append(change.at)
        assert stage == recommendation.stage, recommendation.title
        assert moments == sorted(moments) and len(set(moments)) == len(moments)
        assert moments[-1] < now, recommendation.title
        assert recommendation.stage_changed_at == moments[-1], recommendation.title


def test_the_table_endorsed_on_the_day_of_its_convening(demo):
    endorsed = RecommendationPage.objects.filter(endorsed_at_convening__isnull=False)
    assert endorsed.exists()
    for recommendation in endorsed.select_related("endorsed_at_convening"):
        convening = recommendation.endorsed_at_convening
        change = history(recommendation)["endorsed"]
        assert local_date(change.at, convening.zone) == convening.local_starts_at.date()
        assert convening.title in change.note


def test_each_endorsement_is_dated_by_the_time_it_was_submitted(demo):
    today = timezone.localdate()
    assert not Endorsement.objects.filter(endorsed_on__gt=today).exists()
    submitted = RecommendationPage.objects.filter(stage_changes__to_stage="submitted").distinct()
    assert submitted.exists()
    for recommendation in submitted:
        sent = local_date(history(recommendation)["submitted"].at)
        for endorsement in recommendation.endorsements.all():
            assert endorsement.endorsed_on <= sent, endorsement


def test_decisions_come_after_submission(demo):
    decided = RecommendationPage.objects.filter(decision_date__isnull=False)
    assert decided.exists()
    for recommendation in decided:
        changes = history(recommendation)
        decision = next(changes[stage] for stage in changes if stage in DECISIONS)
        assert decision.at > changes["submitted"].at, recommendation.title
        assert recommendation.decision_date == local_date(decision.at)
        assert recommendation.decision_date <= timezone.localdate()


def test_funding_is_recorded_after_adoption_and_funded_after_the_first_line(demo):
    funded = RecommendationPage.objects.filter(funding_commitments__isnull=False).distinct()
    assert funded.exists()
    for recommendation in funded:
        changes = history(recommendation)
        adopted = local_date(changes["adopted"].at)
        ledger = list(recommendation.funding_commitments.order_by("committed_on"))
        assert all(line.committed_on >= adopted for line in ledger), recommendation.title
        assert all(line.committed_on <= timezone.localdate() for line in ledger)
        went_funded = local_date(changes["funded"].at)
        assert went_funded >= ledger[0].committed_on, recommendation.title


def test_decisions_are_recorded_by_the_decision_makers_own_people(demo):
    decisions = StageChange.objects.filter(to_stage__in=DECISIONS).select_related(
        "recommendation__round_table", "by"
    )
    by_representatives = 0
    for change in decisions:
        recommendation = change.recommendation
        table = recommendation.round_table
        if RoundTableRole.objects.filter(
            round_table=table, user=change.by, role=RoundTableRole.Role.FACILITATOR
        ).exists():
            continue
        body = DECISION_MAKER_BODIES.get(recommendation.decision_maker)
        assert body is not None, f"{change.by} decided for a non-government decision-maker"
        speaks_for = Organization.objects.filter(
            memberships__user=change.by, memberships__can_represent=True, kind=body.kind
        )
        if body.local:
            speaks_for = speaks_for.filter(communities=table.community)
        assert speaks_for.exists(), f"{change.by} decided {recommendation.title}"
        by_representatives += 1
    assert by_representatives >= 2
    # The councillor speaks for Prince George's council only.
    councillor = decisions.filter(by__email="councillor@commontable.example")
    assert councillor.exists()
    assert not councillor.exclude(
        Q(recommendation__decision_maker="municipal_council")
        & Q(recommendation__round_table__community__slug="prince-george")
    ).exists()


@pytest.mark.parametrize("spec", RECOMMENDATIONS, ids=[spec["slug"] for spec in RECOMMENDATIONS])
def test_each_demo_history_is_a_path_of_the_stage_table(spec):
    """The demo restates no stage rule: each history is the table's own shortest path.

    Later funding lines after the first (which moves an adopted recommendation to
    funded) add to the ledger without moving it, so they are not moves.
    """
    costs_nothing = Decimal(spec["cost_estimate"] or "-1") == 0
    moves = [step[0] for step in spec["history"]]
    moves = [m for i, m in enumerate(moves) if not (m == "fund" and "fund" in moves[:i])]
    stage = Stage.DRAFT
    for name in moves:
        action = STAGE_ACTIONS[name]
        assert action.starts_from(stage, costs_nothing=costs_nothing), (name, stage)
        stage = action.to
    via = Stage.DEFERRED if "deferred" in moves and stage != Stage.DEFERRED else None
    expected = path_to(stage, via=via, costs_nothing=costs_nothing)
    assert moves == [action.name for action in expected]
