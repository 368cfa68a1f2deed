"""Two facilitators acting at once on PostgreSQL: exactly one wins, nothing is lost."""

import threading

import pytest
from django.db import connections
from django.utils import timezone

from commontable.core.errors import ActionRefused
from convenings.models import Organization
from recommendations.models import RecommendationPage, StageChange
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

pytestmark = [
    # serialized_rollback puts back the pages made by migrations after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Skipped on SQLite, from one place (tests/conftest.py).
    pytest.mark.row_locks,
]

ROUNDS = 5


def race(*actions):
    """Run the actions at the same moment in their own threads and connections."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            action()
            outcomes[index] = "won"
        except ActionRefused as refusal:
            outcomes[index] = str(refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_submit_and_withdraw_have_exactly_one_winner(db):
    first, second = UserFactory(), UserFactory()
    for round_number in range(ROUNDS):
        page = RecommendationPageFactory(
            action="a",
            responsible_body="b",
            decision_maker="funders",
            cost_estimate=1,
            funding_source="c",
            evidence="d",
            what_exists="e",
            success_measure="f",
        )
        table = page.get_parent().specific
        table.peer_signoff_required = False
        table.save_revision().publish()
        for person in (first, second):
            RoundTableRoleFactory(round_table=table, user=person, role="facilitator")
        RecommendationPage.objects.filter(pk=page.pk).update(stage="endorsed")

        one = RecommendationPage.objects.get(pk=page.pk)
        two = RecommendationPage.objects.get(pk=page.pk)
        outcomes = race(
            lambda one=one: one.submit(by=first), lambda two=two: two.withdraw(by=second)
        )

        assert outcomes.count("won") == 1, (round_number, outcomes)
        loser = next(o for o in outcomes if o != "won")
        assert loser.startswith("Someone else has just moved this recommendation")
        history = list(StageChange.objects.filter(recommendation=page))
        assert len(history) == 1
        final = RecommendationPage.objects.get(pk=page.pk).stage
        assert history[0].from_stage == "endorsed"
        assert history[0].to_stage == final


def test_concurrent_identical_moves_record_one_history_row(db):
    people = [UserFactory() for _ in range(4)]
    page = RecommendationPageFactory()
    table = page.get_parent().specific
    for person in people:
        RoundTableRoleFactory(round_table=table, user=person, role="facilitator")
    copies = [RecommendationPage.objects.get(pk=page.pk) for _ in people]
    outcomes = race(
        *[lambda c=c, p=p: c.propose(by=p) for c, p in zip(copies, people, strict=True)]
    )
    assert outcomes.count("won") == 1
    assert StageChange.objects.filter(recommendation=page).count() == 1


def test_a_decision_and_a_withdrawal_from_the_same_seen_stage_have_one_winner(db):
    councillor, facilitator = UserFactory(), UserFactory()
    council = OrganizationFactory(kind=Organization.Kind.MUNICIPAL)
    MembershipFactory(user=councillor, organization=council, can_represent=True)
    for round_number in range(ROUNDS):
        page = RecommendationPageFactory(decision_maker="municipal_council")
        table = page.get_parent().specific
        council.communities.add(table.community)
        RoundTableRoleFactory(round_table=table, user=facilitator, role="facilitator")
        RecommendationPage.objects.filter(pk=page.pk).update(stage="submitted")
        one, two = (RecommendationPage.objects.get(pk=page.pk) for _ in range(2))
        outcomes = race(
            lambda one=one: one.take_stage_action(
                "adopted",
                by=councillor,
                seen_stage="submitted",
                link="https://council.example.org/motions/3",
                decided_on=timezone.localdate(),
            ),
            lambda two=two: two.take_stage_action(
                "withdraw", by=facilitator, seen_stage="submitted"
            ),
        )
        assert outcomes.count("won") == 1, (round_number, outcomes)
        loser = next(o for o in outcomes if o != "won")
        assert loser.startswith("Someone else has just moved this recommendation")
        history = list(StageChange.objects.filter(recommendation=page))
        assert [(h.from_stage, h.to_stage) for h in history] == [
            ("submitted", RecommendationPage.objects.get(pk=page.pk).stage)
        ]
