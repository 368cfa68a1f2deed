"""The stage graph is one table: the moves, the form's offers, the next steps and the
demo and scale paths all follow ``STAGE_ACTIONS``, and nothing outside it happens."""

import re
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.utils import timezone

from commontable.core.errors import ActionRefused
from commontable.devtools.scale import Scale, ScaleSeeder
from convenings.models import Organization
from recommendations.models import (
    FundingCommitment,
    Notification,
    RecommendationPage,
    StageChange,
)
from recommendations.stages import (
    AWAITING_DECISION,
    BEFORE_SUBMISSION,
    FINAL_STAGES,
    FUNDABLE_STAGES,
    STAGE_ACTIONS,
    Stage,
    next_step,
    path_to,
)
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    OrganizationFactory,
    RecommendationPageFactory,
)

pytestmark = pytest.mark.django_db

MOTION = "https://council.example.org/motions/7"
CLEAR = {
    "action": "Open a winter warming room.",
    "responsible_body": "Nechako Street Outreach Society",
    "decision_maker": "municipal_council",
    "cost_estimate": Decimal("80000"),
    "funding_source": "Municipal safety grant",
    "evidence": "140 nights outside counted last winter.",
    "what_exists": "Nothing open after 10 pm.",
    "success_measure": "Open by December; fewer nights outside.",
}
STAGE_FORM_ACTIONS = [name for name, action in STAGE_ACTIONS.items() if action.on_stage_form]
# Every stage a move of the stage form does not start from, for a recommendation with a cost.
OUTSIDE_THE_TABLE = [
    (stage, name)
    for name in STAGE_FORM_ACTIONS
    for stage in Stage
    if not STAGE_ACTIONS[name].starts_from(stage, costs_nothing=False)
]
INSIDE_THE_TABLE = [
    (stage, name)
    for name in STAGE_FORM_ACTIONS
    for stage in Stage
    if STAGE_ACTIONS[name].starts_from(stage, costs_nothing=False)
]


@pytest.fixture
def past_convening(public_table):
    start = timezone.now() - timedelta(days=7)
    return ConveningPageFactory(
        parent=public_table,
        title="Winter planning",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


@pytest.fixture
def recommendation(public_table):
    page = RecommendationPageFactory(parent=public_table, **CLEAR)
    peers = MembershipFactory(
        organization=OrganizationFactory(peer_led=True, kind=Organization.Kind.PEER_LED),
        can_represent=True,
    )
    page.endorse(by=peers.user, organization=peers.organization, statement="We stand behind it.")
    return page


@pytest.fixture
def councillor(public_table):
    """A representative of the municipal government serving the table's community."""
    council = OrganizationFactory(kind=Organization.Kind.MUNICIPAL)
    council.communities.add(public_table.community)
    return MembershipFactory(organization=council, can_represent=True).user


def at_stage(recommendation, stage, **fields):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage=stage, **fields)
    recommendation.refresh_from_db()
    return recommendation


def take(recommendation, name, person, convening, *, seen_stage=None):
    return recommendation.take_stage_action(
        name,
        by=person,
        seen_stage=recommendation.stage if seen_stage is None else seen_stage,
        note="The work is done and the table heard the report.",
        link=MOTION,
        convening=convening,
        decided_on=timezone.localdate(),
    )


def offered(recommendation, person) -> list[str]:
    return [action.name for action in recommendation.stage_actions_for(person)]


# What the form offers -------------------------------------------------------------------


def test_a_facilitator_at_draft_is_offered_propose_and_withdraw_only(recommendation, facilitator):
    assert offered(recommendation, facilitator) == ["propose", "withdraw"]


def test_a_councillor_is_offered_only_the_decisions_and_only_while_one_is_awaited(
    recommendation, councillor
):
    for stage in Stage:
        at_stage(recommendation, stage)
        awaited = stage in {"submitted", "deferred"}
        expected = ["adopted", "declined", "deferred"] if awaited else []
        assert offered(recommendation, councillor) == expected, stage


def test_a_facilitator_is_offered_exactly_the_moves_the_table_allows_from_the_stage(
    recommendation, facilitator
):
    for stage in Stage:
        at_stage(recommendation, stage)
        assert offered(recommendation, facilitator) == [
            name for name in STAGE_FORM_ACTIONS if (stage, name) in INSIDE_THE_TABLE
        ], stage


@pytest.mark.parametrize("person", ["member", "outsider"])
def test_people_who_may_make_no_move_are_offered_nothing_and_see_no_stage_form(
    client, request, recommendation, person
):
    client.force_login(request.getfixturevalue(person))
    for stage in ("draft", "submitted", "funded"):
        at_stage(recommendation, stage)
        assert offered(recommendation, request.getfixturevalue(person)) == []
        body = client.get(recommendation.url).content.decode()
        assert "Move it to the next stage" not in body


def test_the_councillors_form_lists_only_the_decisions_and_asks_no_convening(
    client, recommendation, councillor
):
    at_stage(recommendation, "submitted")
    client.force_login(councillor)
    response = client.get(recommendation.url)
    form = response.context["stage_form"]
    assert [name for name, _ in form.fields["action"].choices] == [
        "adopted",
        "declined",
        "deferred",
    ]
    assert "convening" not in form.fields and "decided_on" in form.fields
    body = response.content.decode()
    assert "Propose to the table" not in body and "Withdraw" not in body


def test_the_facilitators_form_at_draft_asks_neither_a_convening_nor_a_decision_date(
    client, recommendation, facilitator
):
    client.force_login(facilitator)
    form = client.get(recommendation.url).context["stage_form"]
    assert [name for name, _ in form.fields["action"].choices] == ["propose", "withdraw"]
    assert "convening" not in form.fields and "decided_on" not in form.fields


def test_at_proposed_the_facilitator_is_asked_for_the_convening(
    client, recommendation, facilitator, past_convening
):
    at_stage(recommendation, "proposed")
    client.force_login(facilitator)
    form = client.get(recommendation.url).context["stage_form"]
    assert [name for name, _ in form.fields["action"].choices] == ["endorse", "withdraw"]
    assert list(form.fields["convening"].queryset) == [past_convening]


@pytest.mark.parametrize("stage", sorted(FINAL_STAGES))
def test_a_final_stage_shows_no_stage_form_even_to_a_facilitator(
    client, recommendation, facilitator, stage
):
    at_stage(recommendation, stage)
    client.force_login(facilitator)
    response = client.get(recommendation.url)
    assert response.context["stage_form"] is None
    assert "Move it to the next stage" not in response.content.decode()


def test_the_stage_page_has_no_label_for_the_hidden_seen_stage(client, recommendation, facilitator):
    client.force_login(facilitator)
    body = client.get(recommendation.url).content.decode()
    assert 'name="seen_stage" value="draft"' in body
    assert "Seen stage" not in body
    assert 'for="id_seen_stage"' not in body


# Moves outside the table are refused, and change nothing ---------------------------------


def test_every_move_not_in_the_table_is_refused_and_changes_nothing(
    recommendation, facilitator, past_convening
):
    # One recommendation for every pair: a refused move leaves it as it was.
    notifications = Notification.objects.count()
    assert len(OUTSIDE_THE_TABLE) > 50
    for stage, name in OUTSIDE_THE_TABLE:
        at_stage(recommendation, stage)
        moved_at = recommendation.stage_changed_at
        expected = f"Cannot move from {Stage(stage).label.lower()} to "
        expected += f"{STAGE_ACTIONS[name].to.label.lower()}"
        try:
            take(recommendation, name, facilitator, past_convening)
        except ActionRefused as refusal:
            assert str(refusal).startswith(expected), (stage, name, str(refusal))
        else:
            pytest.fail(f"{name} from {stage} was not refused")
        fresh = RecommendationPage.objects.get(pk=recommendation.pk)
        assert (fresh.stage, fresh.stage_changed_at) == (stage, moved_at), (stage, name)
        assert fresh.decision_link == "" and fresh.implementation_account == "", (stage, name)
        assert fresh.endorsed_at_convening is None, (stage, name)
    assert not StageChange.objects.exists()
    assert Notification.objects.count() == notifications


@pytest.mark.parametrize(("stage", "name"), INSIDE_THE_TABLE)
def test_every_move_in_the_table_is_made_and_recorded(
    recommendation, facilitator, past_convening, stage, name
):
    at_stage(recommendation, stage)
    change = take(recommendation, name, facilitator, past_convening)
    assert (change.from_stage, change.to_stage) == (stage, STAGE_ACTIONS[name].to)
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == STAGE_ACTIONS[name].to


@pytest.mark.parametrize("stage", sorted(set(Stage) - FUNDABLE_STAGES))
def test_funding_before_adoption_is_refused_and_records_nothing(recommendation, facilitator, stage):
    at_stage(recommendation, stage)
    with pytest.raises(ActionRefused, match="once the recommendation is adopted"):
        recommendation.record_funding(
            by=facilitator,
            funder="Foundation",
            amount=Decimal("10"),
            committed_on=timezone.localdate(),
        )
    assert not FundingCommitment.objects.exists() and not StageChange.objects.exists()


@pytest.mark.parametrize("stage", ["funded", "implemented"])
def test_funding_after_the_first_commitment_adds_a_line_without_a_move(
    recommendation, facilitator, stage
):
    at_stage(recommendation, stage)
    recommendation.record_funding(
        by=facilitator, funder="Foundation", amount=Decimal("10"), committed_on=timezone.localdate()
    )
    assert recommendation.funding_commitments.count() == 1
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == stage
    assert not StageChange.objects.exists()


def test_a_move_that_is_not_a_stage_form_move_is_refused(recommendation, facilitator):
    at_stage(recommendation, "adopted")
    for name in ("fund", "publish", ""):
        with pytest.raises(ActionRefused, match="Choose one of the stage changes offered"):
            recommendation.take_stage_action(name, by=facilitator, seen_stage="adopted")
    assert not StageChange.objects.exists()


def test_a_councillor_posting_a_facilitators_move_reads_who_may(client, recommendation, councillor):
    client.force_login(councillor)
    body = client.post(
        recommendation.url + "stage/", {"action": "propose", "seen_stage": "draft"}, follow=True
    ).content.decode()
    assert "Only this round table&#x27;s facilitators can propose a recommendation." in body
    assert not StageChange.objects.exists()


# No cost: adopted may go straight to implemented -------------------------------------------


def test_a_recommendation_that_costs_nothing_is_implemented_once_adopted(
    client, recommendation, facilitator
):
    at_stage(recommendation, "adopted", cost_estimate=Decimal("0"))
    assert recommendation.costs_nothing
    assert offered(recommendation, facilitator) == ["implemented"]
    recommendation.mark_implemented(by=facilitator, account="The policy is in force.")
    assert list(recommendation.stage_changes.values_list("from_stage", "to_stage")) == [
        ("adopted", "implemented")
    ]
    body = client.get(recommendation.url).content.decode()
    assert "It costs nothing, so it needs no funding to be implemented." in body
    assert "No cost estimate yet" not in body


def test_with_a_cost_implemented_is_refused_until_funded(recommendation, facilitator):
    at_stage(recommendation, "adopted")
    assert offered(recommendation, facilitator) == []
    with pytest.raises(
        ActionRefused,
        match=(
            r"^Cannot move from adopted to implemented: unless its cost estimate is \$0, "
            r"a funding commitment comes first\.$"
        ),
    ):
        recommendation.mark_implemented(by=facilitator, account="Opened.")
    assert not StageChange.objects.exists()
    recommendation.record_funding(
        by=facilitator,
        funder="Foundation",
        amount=Decimal("80000"),
        committed_on=timezone.localdate(),
    )
    assert offered(recommendation, facilitator) == ["implemented"]
    recommendation.mark_implemented(by=facilitator, account="Opened.")
    assert list(recommendation.stage_changes.values_list("to_stage", flat=True)) == [
        "funded",
        "implemented",
    ]


def test_an_unanswered_cost_estimate_is_not_no_cost(recommendation, facilitator):
    at_stage(recommendation, "adopted", cost_estimate=None)
    assert not recommendation.costs_nothing
    with pytest.raises(
        ActionRefused, match=r"unless its cost estimate is \$0, a funding commitment comes first"
    ):
        recommendation.mark_implemented(by=facilitator, account="Opened.")


def test_a_cost_set_meanwhile_is_read_from_the_fresh_row(recommendation, facilitator):
    at_stage(recommendation, "adopted", cost_estimate=Decimal("0"))
    RecommendationPage.objects.filter(pk=recommendation.pk).update(cost_estimate=Decimal("500"))
    with pytest.raises(ActionRefused, match="a funding commitment comes first"):
        recommendation.mark_implemented(by=facilitator, account="Opened.")
    assert not StageChange.objects.exists()


# The stage the person saw is an argument ------------------------------------------------


def test_a_stale_seen_stage_is_refused_and_changes_nothing(recommendation, facilitator):
    at_stage(recommendation, "proposed")
    with pytest.raises(ActionRefused, match=r"^Someone else has just moved this recommendation to"):
        recommendation.withdraw(by=facilitator, seen_stage="draft")
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == "proposed"
    assert not StageChange.objects.exists()


def test_a_stale_seen_stage_is_refused_even_when_the_move_is_allowed_from_the_new_stage(
    recommendation, facilitator, past_convening
):
    at_stage(recommendation, "endorsed")
    with pytest.raises(ActionRefused, match=r"^Someone else has just moved this recommendation to"):
        recommendation.take_stage_action("submit", by=facilitator, seen_stage="draft")
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == "endorsed"
    assert not StageChange.objects.exists()


def test_the_view_passes_the_seen_stage_and_leaves_the_page_as_it_is(
    client, recommendation, facilitator
):
    client.force_login(facilitator)
    at_stage(recommendation, "endorsed")
    body = client.post(
        recommendation.url + "stage/", {"action": "submit", "seen_stage": "proposed"}, follow=True
    ).content.decode()
    assert "Someone else has just moved this recommendation to endorsed by the table" in body
    assert 'name="seen_stage" value="endorsed"' in body
    assert not StageChange.objects.exists()


# The next step is read from the table ---------------------------------------------------


@pytest.mark.parametrize("costs_nothing", [False, True])
@pytest.mark.parametrize("stage", list(Stage))
def test_each_stages_next_step_names_every_stage_a_move_forward_leads_to(stage, costs_nothing):
    step = next_step(stage, costs_nothing=costs_nothing)
    forward = [
        action
        for action in STAGE_ACTIONS.values()
        if action.forward and action.starts_from(stage, costs_nothing=costs_nothing)
    ]
    for action in forward:
        assert action.to.label.lower() in step
    if not forward:
        assert stage in FINAL_STAGES and step


def test_the_next_step_after_adoption_depends_on_the_cost(recommendation):
    at_stage(recommendation, "adopted")
    assert recommendation.guide.next_step == "A funding commitment is recorded (funded)."
    at_stage(recommendation, "adopted", cost_estimate=Decimal("0"))
    assert recommendation.guide.next_step == (
        "A funding commitment is recorded (funded), or the work is done and reported (implemented)."
    )


def test_the_decisions_are_one_next_step():
    assert next_step(Stage.SUBMITTED) == "A decision (adopted, declined or deferred)."


# Paths through the table, for the demo and the scale data --------------------------------


@pytest.mark.parametrize("costs_nothing", [False, True])
@pytest.mark.parametrize("stage", list(Stage))
def test_the_path_to_each_stage_is_made_by_the_transition_methods(
    recommendation, facilitator, past_convening, stage, costs_nothing
):
    if costs_nothing:
        RecommendationPage.objects.filter(pk=recommendation.pk).update(cost_estimate=0)
        recommendation.refresh_from_db()
    moves = {
        name: (lambda name=name: take(recommendation, name, facilitator, past_convening))
        for name in STAGE_FORM_ACTIONS
    }
    moves["fund"] = lambda: recommendation.record_funding(
        by=facilitator,
        funder="Foundation",
        amount=Decimal("100"),
        committed_on=timezone.localdate(),
    )
    path = path_to(stage, costs_nothing=costs_nothing)
    for action in path:
        moves[action.name]()
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == stage
    assert recommendation.stage_changes.count() == len(path)


def test_paths_are_the_shortest_and_follow_the_cost():
    assert [action.name for action in path_to(Stage.IMPLEMENTED)] == [
        "propose",
        "endorse",
        "submit",
        "adopted",
        "fund",
        "implemented",
    ]
    assert "fund" not in [a.name for a in path_to(Stage.IMPLEMENTED, costs_nothing=True)]
    assert path_to(Stage.DRAFT) == []
    assert [a.name for a in path_to(Stage.WITHDRAWN)] == ["withdraw"]
    assert [a.name for a in path_to(Stage.WITHDRAWN, via=Stage.DEFERRED)] == [
        "propose",
        "endorse",
        "submit",
        "deferred",
        "withdraw",
    ]


def test_a_path_the_table_does_not_have_is_an_error():
    with pytest.raises(ValueError, match="No way from adopted to withdrawn"):
        path_to(Stage.WITHDRAWN, via=Stage.ADOPTED)


def test_every_seeded_history_is_a_walk_through_the_table():
    seeder = ScaleSeeder(Scale.times(0.01), progress=lambda message: None)
    paths = seeder.stage_paths()
    assert paths and any(Stage.DEFERRED in path for path in paths)
    for path in paths:
        stages = [Stage.DRAFT, *path]
        for start, end in pairwise(stages):
            assert any(
                action.to == end and action.starts_from(start, costs_nothing=False)
                for action in STAGE_ACTIONS.values()
            ), (start, end, path)


def test_the_decision_recorded_by_a_councillor_follows_the_same_table(recommendation, councillor):
    at_stage(recommendation, "deferred")
    recommendation.take_stage_action(
        "adopted",
        by=councillor,
        seen_stage="deferred",
        link=MOTION,
        decided_on=timezone.localdate(),
    )
    assert recommendation.stage == "adopted"
    with pytest.raises(ActionRefused, match="Only this round table's facilitators can withdraw"):
        recommendation.take_stage_action("withdraw", by=councillor, seen_stage="adopted")


# Who holds it, who funds it, and endorsements: read from the table -----------------------


@pytest.mark.parametrize("stage", list(Stage))
def test_who_holds_it_names_the_audience_only_while_a_decision_is_awaited(
    client, recommendation, stage
):
    assert {Stage.SUBMITTED, Stage.DEFERRED} == AWAITING_DECISION
    at_stage(recommendation, stage, audience="Prince George city council")
    assert recommendation.awaits_decision == (stage in AWAITING_DECISION)
    body = client.get(recommendation.url).content.decode()
    (holder,) = re.findall(r"<dt>Who holds it now</dt><dd>(.*?)</dd>", body)
    assert holder.endswith(": Prince George city council") == (stage in AWAITING_DECISION), holder


@pytest.mark.parametrize("stage", list(Stage))
def test_the_funding_form_is_shown_to_those_who_may_record_funding_and_only_them(
    client, recommendation, facilitator, councillor, member, stage
):
    at_stage(recommendation, stage)
    for person, may in [
        (facilitator, stage in FUNDABLE_STAGES),
        (councillor, False),
        (member, False),
    ]:
        assert recommendation.may_record_funding(person) == may, person
        client.force_login(person)
        body = client.get(recommendation.url).content.decode()
        assert ("<summary>Record funding</summary>" in body) == may, person


def test_a_councillor_may_not_record_funding_even_once_adopted(recommendation, councillor):
    at_stage(recommendation, "adopted")
    with pytest.raises(ActionRefused, match="Only this round table's facilitators can record"):
        recommendation.record_funding(
            by=councillor,
            funder="Foundation",
            amount=Decimal("10"),
            committed_on=timezone.localdate(),
        )
    assert not FundingCommitment.objects.exists() and not StageChange.objects.exists()


def test_funding_reads_the_stage_from_the_row_not_from_an_older_copy(recommendation, facilitator):
    at_stage(recommendation, "submitted")
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage="adopted")
    recommendation.record_funding(
        by=facilitator, funder="Foundation", amount=Decimal("10"), committed_on=timezone.localdate()
    )
    assert RecommendationPage.objects.get(pk=recommendation.pk).stage == "funded"
    assert list(StageChange.objects.values_list("from_stage", "to_stage")) == [
        ("adopted", "funded")
    ]


@pytest.mark.parametrize("stage", list(Stage))
def test_an_endorsement_may_be_withdrawn_only_while_submission_is_ahead(recommendation, stage):
    assert {Stage.DRAFT, Stage.PROPOSED, Stage.ENDORSED} == BEFORE_SUBMISSION
    speaker = MembershipFactory(can_represent=True)
    recommendation.endorse(
        by=speaker.user, organization=speaker.organization, statement="We back it."
    )
    at_stage(recommendation, stage)
    if stage in BEFORE_SUBMISSION:
        recommendation.withdraw_endorsement(by=speaker.user, organization=speaker.organization)
        assert not recommendation.endorsements.filter(organization=speaker.organization).exists()
    else:
        with pytest.raises(ActionRefused, match="once it has been submitted"):
            recommendation.withdraw_endorsement(by=speaker.user, organization=speaker.organization)
        assert recommendation.endorsements.filter(organization=speaker.organization).exists()
