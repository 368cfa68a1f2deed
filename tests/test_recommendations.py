"""Recommendations: clarity, stages and their refusals, history, endorsements and funding."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from commontable.core.errors import ActionRefused
from convenings.models import Need, Organization, RoundTableRole
from recommendations.models import FundingCommitment, RecommendationPage, Stage, StageChange
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CLEAR = {
    "action": "Fund an overnight drop-in.",
    "responsible_body": "Nechako Street Outreach Society",
    "decision_maker": "municipal_council",
    "cost_estimate": Decimal("120000"),
    "funding_source": "Municipal safety grant",
    "evidence": "212 unmet requests last winter.",
    "what_exists": "No overnight space exists.",
    "success_measure": "Open by next winter; fewer nights outside.",
}


@pytest.fixture
def past_convening(public_table):
    start = timezone.now() - timedelta(days=7)
    return ConveningPageFactory(
        parent=public_table, starts_at=start, ends_at=start + timedelta(hours=2)
    )


@pytest.fixture
def peer_rep(db):
    return MembershipFactory(
        organization=OrganizationFactory(peer_led=True, kind=Organization.Kind.PEER_LED),
        can_represent=True,
    ).user


@pytest.fixture
def recommendation(public_table):
    return RecommendationPageFactory(parent=public_table, **CLEAR)


def at_stage(recommendation, stage):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage=stage)
    recommendation.refresh_from_db()
    return recommendation


def endorse_by_peers(recommendation, peer_rep):
    organization = peer_rep.memberships.get().organization
    recommendation.endorse(by=peer_rep, organization=organization, statement="We stand behind it.")


# Clarity


def test_clarity_score_counts_answered_questions(public_table):
    assert RecommendationPageFactory(parent=public_table, **CLEAR).clarity_score == 7
    vague = RecommendationPageFactory(parent=public_table, action="Awareness campaigns.")
    assert vague.clarity_score == 1
    half = RecommendationPageFactory(parent=public_table, **{**CLEAR, "funding_source": ""})
    assert half.clarity_score == 6  # cost without a source is not an answer


def test_checklist_names_each_unanswered_question(client, public_table):
    vague = RecommendationPageFactory(parent=public_table, action="Awareness campaigns.")
    body = client.get(vague.url).content.decode()
    assert "Clarity checklist: 1/7" in body
    for missing in ["no responsible body", "no decision-maker", "no cost estimate", "no evidence"]:
        assert missing in body


# The whole path, and every transition


def test_draft_to_implemented_with_every_step_on_the_timeline(
    client, recommendation, facilitator, past_convening, peer_rep, member, public_table
):
    council = OrganizationFactory(kind="municipal")
    council.communities.add(public_table.community)
    councillor = MembershipFactory(organization=council, can_represent=True).user
    endorse_by_peers(recommendation, peer_rep)
    recommendation.propose(by=facilitator, note="To the table.")
    recommendation.endorse_at(past_convening, by=facilitator)
    recommendation.submit(by=facilitator, link="https://example.org/letter")
    recommendation.record_decision(
        "adopted", by=councillor, decided_on=timezone.localdate(), link="https://example.org/m/1"
    )
    recommendation.record_funding(
        by=facilitator,
        funder="Foundation",
        amount=Decimal("50000"),
        committed_on=timezone.localdate(),
    )
    recommendation.mark_implemented(by=facilitator, account="Opened in December.")

    steps = list(recommendation.stage_changes.values_list("from_stage", "to_stage"))
    assert steps == [
        ("draft", "proposed"),
        ("proposed", "endorsed"),
        ("endorsed", "submitted"),
        ("submitted", "adopted"),
        ("adopted", "funded"),
        ("funded", "implemented"),
    ]
    recommendation.refresh_from_db()
    assert recommendation.stage == Stage.IMPLEMENTED
    assert recommendation.endorsed_at_convening == past_convening
    assert recommendation.decision_link == "https://example.org/m/1"
    body = client.get(recommendation.url).content.decode()
    assert "Opened in December." in body
    assert "Endorsed at “" in body


def test_illegal_jump_is_refused(recommendation, facilitator):
    with pytest.raises(ActionRefused, match="Cannot move from draft to submitted"):
        recommendation.submit(by=facilitator)
    with pytest.raises(ActionRefused, match="Cannot move from draft to adopted"):
        recommendation.record_decision(
            "adopted", by=facilitator, decided_on=timezone.localdate(), link="https://x.org"
        )
    with pytest.raises(ActionRefused, match="Cannot move from draft to implemented"):
        recommendation.mark_implemented(by=facilitator, account="Done")
    assert not StageChange.objects.exists()
    recommendation.refresh_from_db()
    assert recommendation.stage == Stage.DRAFT


def test_draft_cannot_be_funded(recommendation, facilitator):
    with pytest.raises(ActionRefused, match="once the recommendation is adopted"):
        recommendation.record_funding(
            by=facilitator, funder="F", amount=Decimal("1"), committed_on=timezone.localdate()
        )
    assert not FundingCommitment.objects.exists()


@pytest.mark.parametrize(
    ("stage", "allowed"),
    [
        ("draft", True),
        ("proposed", True),
        ("endorsed", True),
        ("submitted", True),
        ("deferred", True),
        ("adopted", False),
        ("declined", False),
        ("funded", False),
        ("implemented", False),
        ("withdrawn", False),
    ],
)
def test_withdraw_only_before_adoption(recommendation, facilitator, stage, allowed):
    at_stage(recommendation, stage)
    if allowed:
        recommendation.withdraw(by=facilitator, note="Table changed its mind.")
        assert recommendation.stage == Stage.WITHDRAWN
    else:
        with pytest.raises(ActionRefused, match="Cannot move from"):
            recommendation.withdraw(by=facilitator)
        assert not StageChange.objects.exists()


@pytest.mark.parametrize("outcome", ["adopted", "declined", "deferred"])
def test_decisions_from_submitted_and_deferred(recommendation, facilitator, outcome):
    for start in ("submitted", "deferred"):
        at_stage(recommendation, start)
        recommendation.record_decision(
            outcome, by=facilitator, decided_on=timezone.localdate(), link="https://x.org/m"
        )
        assert recommendation.stage == outcome


def test_decision_needs_a_link_and_a_real_date(recommendation, facilitator):
    at_stage(recommendation, "submitted")
    with pytest.raises(ActionRefused, match="link to the motion"):
        recommendation.record_decision(
            "adopted", by=facilitator, decided_on=timezone.localdate(), link=""
        )
    with pytest.raises(ActionRefused, match="not in the future"):
        recommendation.record_decision(
            "adopted",
            by=facilitator,
            decided_on=timezone.localdate() + timedelta(days=2),
            link="https://x.org",
        )
    assert not StageChange.objects.exists()


def test_endorsement_needs_a_past_convening_of_this_table(
    recommendation, facilitator, public_table
):
    at_stage(recommendation, "proposed")
    elsewhere = ConveningPageFactory(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-2),
    )
    with pytest.raises(ActionRefused, match="Choose a convening of this round table"):
        recommendation.endorse_at(elsewhere, by=facilitator)
    future = ConveningPageFactory(parent=public_table)
    with pytest.raises(ActionRefused, match="has taken place"):
        recommendation.endorse_at(future, by=facilitator)
    assert not StageChange.objects.exists()


# Submission: clarity and peer sign-off


def test_vague_motion_is_refused_at_submission_with_the_list_of_gaps(public_table, facilitator):
    vague = RecommendationPageFactory(
        parent=public_table, action="Awareness campaigns.", decision_maker="provincial_ministry"
    )
    at_stage(vague, "endorsed")
    with pytest.raises(ActionRefused) as refusal:
        vague.submit(by=facilitator)
    assert str(refusal.value) == (
        "Cannot submit: no responsible body; no cost estimate; no funding source; no evidence; "
        "no account of what exists; no success measure; "
        "no endorsement from a peer-led organization."
    )
    vague.refresh_from_db()
    assert vague.stage == Stage.ENDORSED
    assert not StageChange.objects.exists()


def test_peer_signoff_required_blocks_submission(recommendation, facilitator, peer_rep):
    at_stage(recommendation, "endorsed")
    with pytest.raises(ActionRefused, match=r"^Cannot submit: no endorsement from a peer-led"):
        recommendation.submit(by=facilitator)
    endorse_by_peers(recommendation, peer_rep)
    recommendation.submit(by=facilitator)
    assert recommendation.stage == Stage.SUBMITTED


def test_peer_signoff_can_be_switched_off_per_table(recommendation, facilitator, public_table):
    public_table.peer_signoff_required = False
    public_table.save_revision().publish()
    recommendation.refresh_from_db()
    at_stage(recommendation, "endorsed")
    recommendation.submit(by=facilitator)
    assert recommendation.stage == Stage.SUBMITTED


def test_a_non_peer_endorsement_does_not_count_as_peer_signoff(recommendation, facilitator):
    rep = MembershipFactory(can_represent=True).user
    recommendation.endorse(
        by=rep, organization=rep.memberships.get().organization, statement="Yes."
    )
    at_stage(recommendation, "endorsed")
    with pytest.raises(ActionRefused, match="peer-led"):
        recommendation.submit(by=facilitator)


# Who may act


def test_only_facilitators_of_the_table_move_stages(recommendation, member):
    other_facilitator = UserFactory()
    RoundTableRoleFactory(user=other_facilitator, role=RoundTableRole.Role.FACILITATOR)
    for person in (member, other_facilitator):
        with pytest.raises(ActionRefused, match="Only this round table's facilitators"):
            recommendation.propose(by=person)
    assert not StageChange.objects.exists()


def test_members_who_are_not_officials_cannot_record_decisions(recommendation, member):
    at_stage(recommendation, "submitted")
    with pytest.raises(ActionRefused, match="Only this round table's facilitators and the"):
        recommendation.record_decision(
            "adopted", by=member, decided_on=timezone.localdate(), link="https://x.org"
        )


# History is written with the change, or not at all


def test_failed_rule_leaves_no_history_and_no_change(recommendation, facilitator):
    at_stage(recommendation, "endorsed")
    before = recommendation.stage_changed_at
    with pytest.raises(ActionRefused):
        recommendation.submit(by=facilitator)
    recommendation.refresh_from_db()
    assert recommendation.stage == Stage.ENDORSED
    assert recommendation.stage_changed_at == before
    assert StageChange.objects.count() == 0


def test_history_row_failure_rolls_the_stage_back(recommendation, facilitator, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(StageChange.objects, "create", broken)
    with pytest.raises(RuntimeError):
        recommendation.propose(by=facilitator)
    recommendation.refresh_from_db()
    assert recommendation.stage == Stage.DRAFT


def test_publishing_an_old_draft_never_rolls_the_stage_back(recommendation, facilitator):
    old = recommendation.save_revision()
    recommendation.propose(by=facilitator)
    old.publish()
    recommendation.refresh_from_db()
    assert recommendation.stage == Stage.PROPOSED


# Endorsements


def test_one_endorsement_per_organization(recommendation, peer_rep):
    endorse_by_peers(recommendation, peer_rep)
    colleague = MembershipFactory(
        organization=peer_rep.memberships.get().organization, can_represent=True
    ).user
    with pytest.raises(ActionRefused, match="has already endorsed"):
        recommendation.endorse(
            by=colleague, organization=colleague.memberships.get().organization, statement="Me too"
        )
    assert recommendation.endorsements.count() == 1


def test_only_representatives_endorse(recommendation, member):
    with pytest.raises(ActionRefused, match="Only someone who can represent"):
        recommendation.endorse(
            by=member, organization=member.memberships.get().organization, statement="Yes"
        )
    assert not recommendation.endorsements.exists()


def test_endorsement_withdrawn_before_submission_only(recommendation, peer_rep):
    organization = peer_rep.memberships.get().organization
    endorse_by_peers(recommendation, peer_rep)
    recommendation.withdraw_endorsement(by=peer_rep, organization=organization)
    assert not recommendation.endorsements.exists()
    endorse_by_peers(recommendation, peer_rep)
    at_stage(recommendation, "submitted")
    with pytest.raises(ActionRefused, match="once it has been submitted"):
        recommendation.withdraw_endorsement(by=peer_rep, organization=organization)
    assert recommendation.endorsements.count() == 1


def test_peer_led_endorsements_are_marked_on_the_page(client, recommendation, peer_rep):
    endorse_by_peers(recommendation, peer_rep)
    assert "Peer-led" in client.get(recommendation.url).content.decode()


def test_member_endorses_from_the_page(client, recommendation, peer_rep):
    organization = peer_rep.memberships.get().organization
    client.force_login(peer_rep)
    url = recommendation.url + "endorse/"
    response = client.post(url, {"organization": organization.pk, "statement": "Yes."}, follow=True)
    assert f"{organization} endorses this." in response.content.decode()
    assert recommendation.endorsements.get().representative == peer_rep


# Funding


def test_funding_totals_and_the_first_commitment_moves_adopted_to_funded(
    client, recommendation, facilitator
):
    at_stage(recommendation, "adopted")
    for amount, status in [("30000", "confirmed"), ("12000.50", "pledged")]:
        recommendation.record_funding(
            by=facilitator,
            funder="F",
            amount=Decimal(amount),
            committed_on=timezone.localdate(),
            status=status,
        )
    assert recommendation.stage == Stage.FUNDED
    assert recommendation.stage_changes.filter(to_stage="funded").count() == 1
    listed = RecommendationPage.objects.with_funding().get(pk=recommendation.pk)
    assert listed.committed == Decimal("42000.50")
    assert listed.funding_progress(listed.committed) == 35
    body = client.get(recommendation.url).content.decode()
    assert "35% committed" in body


def test_funding_refuses_bad_amounts(recommendation, facilitator):
    at_stage(recommendation, "adopted")
    for amount in (Decimal("0"), Decimal("-5")):
        with pytest.raises(ActionRefused, match="more than \\$0"):
            recommendation.record_funding(
                by=facilitator, funder="F", amount=amount, committed_on=timezone.localdate()
            )
    assert not FundingCommitment.objects.exists()


# Front-end stage change


def test_facilitator_moves_a_stage_from_the_page_with_a_note(client, recommendation, facilitator):
    client.force_login(facilitator)
    response = client.post(
        recommendation.url + "stage/",
        {
            "action": "propose",
            "seen_stage": "draft",
            "note": "Ready for the table.",
            "link": "https://example.org/doc",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Now proposed." in body
    assert "Ready for the table." in body
    assert recommendation.stage_changes.get().link == "https://example.org/doc"


def test_stage_refusal_is_shown_on_the_page(client, recommendation, facilitator):
    at_stage(recommendation, "endorsed")
    client.force_login(facilitator)
    response = client.post(
        recommendation.url + "stage/", {"action": "submit", "seen_stage": "endorsed"}, follow=True
    )
    assert (
        "Cannot submit: no endorsement from a peer-led organization." in response.content.decode()
    )


def test_member_cannot_change_stage_from_the_page(client, recommendation, member):
    client.force_login(member)
    response = client.post(
        recommendation.url + "stage/", {"action": "propose", "seen_stage": "draft"}, follow=True
    )
    assert "Only this round table" in response.content.decode()
    assert not StageChange.objects.exists()


# Linking needs, listings and visibility


def test_linking_a_need_marks_it_being_addressed(client, public_table):
    need = NeedFactory(title="Overnight space")
    page = RecommendationPageFactory.build(title="Drop-in", slug="drop-in", **CLEAR)
    page.needs = [need]
    public_table.add_child(instance=page)
    page.save_revision().publish()
    need.refresh_from_db()
    assert need.status == Need.Status.BEING_ADDRESSED
    assert "Drop-in" in client.get(need.get_absolute_url()).content.decode()


def test_round_table_lists_recommendations_by_stage(client, public_table, recommendation):
    other = RecommendationPageFactory(parent=public_table, title="Second idea")
    at_stage(other, "submitted")
    body = client.get(public_table.url).content.decode()
    assert body.index("Draft") < body.index(recommendation.title)
    assert body.index("Submitted") < body.index("Second idea")
    assert "Clarity 7/7" in body


def test_recommendations_of_a_members_only_table_are_hidden(client, private_table):
    hidden = RecommendationPageFactory(parent=private_table, title="Hidden plan")
    assert client.get(hidden.url).status_code == 404
    assert not RecommendationPage.objects.visible_to(AnonymousUser()).filter(pk=hidden.pk)


def test_stale_recommendation_says_so(client, recommendation):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(
        stage_changed_at=timezone.now() - timedelta(days=120)
    )
    assert "No update since" in client.get(recommendation.url).content.decode()


def test_acting_on_a_stage_that_has_since_moved_is_refused(client, recommendation, facilitator):
    at_stage(recommendation, "proposed")  # someone else proposed it meanwhile
    client.force_login(facilitator)
    response = client.post(
        recommendation.url + "stage/", {"action": "withdraw", "seen_stage": "draft"}, follow=True
    )
    assert "Someone else has just moved this recommendation to proposed" in (
        response.content.decode()
    )
    recommendation.refresh_from_db()
    assert recommendation.stage == Stage.PROPOSED
    assert not StageChange.objects.exists()


def test_saving_a_stale_copy_never_rolls_the_stage_back(recommendation, facilitator):
    stale = RecommendationPage.objects.get(pk=recommendation.pk)
    recommendation.propose(by=facilitator)
    stale.title = "Renamed"
    stale.save()
    stale.refresh_from_db()
    assert (stale.title, stale.stage) == ("Renamed", Stage.PROPOSED)


def test_facilitator_edits_in_the_admin_with_the_follow_through_panel(
    client, recommendation, facilitator, public_table, peer_rep
):
    endorse_by_peers(recommendation, peer_rep)
    client.force_login(facilitator)
    body = client.get(f"/admin/pages/{recommendation.pk}/edit/").content.decode()
    assert "The seven clarity questions" in body
    assert "Stage, endorsements and funding" in body
    assert peer_rep.memberships.get().organization.name in body
    add = f"/admin/pages/add/recommendations/recommendationpage/{public_table.pk}/"
    assert client.get(add).status_code == 200
