"""Who records a decision: the decision-maker's own representatives and the table's
facilitators, nobody else."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from commontable.core.errors import ActionRefused
from convenings.models import Organization
from recommendations.models import Follow, Notification, RecommendationPage, StageChange
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MOTION = "https://council.example.org/motions/12"


@pytest.fixture
def okanagan(db):
    return CommunityFactory(name="Okanagan", slug="okanagan")


@pytest.fixture
def prince_george(db):
    return CommunityFactory(name="Prince George", slug="prince-george")


def council_of(community, *, can_represent=True):
    """A councillor: a representative of a municipal government serving ``community``."""
    council = OrganizationFactory(
        name=f"City of {community.name}", kind=Organization.Kind.MUNICIPAL
    )
    council.communities.add(community)
    return MembershipFactory(organization=council, can_represent=can_represent).user


@pytest.fixture
def okanagan_recommendation(okanagan):
    table = RoundTablePageFactory(title="Okanagan table", slug="okanagan", community=okanagan)
    recommendation = RecommendationPageFactory(
        parent=table, title="Peer outreach contracts", decision_maker="municipal_council"
    )
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage="submitted")
    recommendation.refresh_from_db()
    return recommendation


def stage_url(recommendation):
    return reverse(
        "recommendation_stage",
        kwargs={"table": recommendation.round_table.slug, "recommendation": recommendation.slug},
    )


def adopt(client, recommendation):
    return client.post(
        stage_url(recommendation),
        {
            "action": "adopted",
            "seen_stage": "submitted",
            "decided_on": timezone.localdate().isoformat(),
            "link": MOTION,
            "note": "Carried.",
        },
        follow=True,
    )


def test_a_councillor_of_another_community_is_refused_and_nothing_is_written(
    client, okanagan_recommendation, prince_george
):
    follower = UserFactory()
    Follow.objects.create(
        user=follower, kind=Follow.Kind.RECOMMENDATION, recommendation=okanagan_recommendation
    )
    client.force_login(council_of(prince_george))
    body = adopt(client, okanagan_recommendation).content.decode()
    assert (
        "Only this round table&#x27;s facilitators and the representatives of a municipal "
        "government serving Okanagan can record this decision." in body
    )
    assert "Now adopted" not in body
    okanagan_recommendation.refresh_from_db()
    assert okanagan_recommendation.stage == "submitted"
    assert okanagan_recommendation.decision_link == ""
    assert not StageChange.objects.exists()
    assert not Notification.objects.exists() and not mail.outbox
    feed = client.get(reverse("recommendation_feed")).content.decode()
    assert "Adopted" not in feed


def test_a_councillor_of_the_recommendations_community_records_its_decision(
    client, okanagan_recommendation, okanagan, prince_george
):
    client.force_login(council_of(prince_george))
    adopt(client, okanagan_recommendation)
    client.force_login(council_of(okanagan))
    assert "Now adopted" in adopt(client, okanagan_recommendation).content.decode()
    okanagan_recommendation.refresh_from_db()
    assert okanagan_recommendation.stage == "adopted"
    assert okanagan_recommendation.decision_link == MOTION


def test_a_council_member_who_may_not_speak_for_it_is_refused(okanagan_recommendation, okanagan):
    with pytest.raises(ActionRefused, match="representatives of a municipal government"):
        okanagan_recommendation.record_decision(
            "adopted",
            by=council_of(okanagan, can_represent=False),
            decided_on=timezone.localdate(),
            link=MOTION,
        )
    assert not StageChange.objects.exists()


def test_a_provincial_decision_is_the_provincial_bodys_not_a_councils(
    okanagan_recommendation, okanagan
):
    RecommendationPage.objects.filter(pk=okanagan_recommendation.pk).update(
        decision_maker="provincial_ministry"
    )
    okanagan_recommendation.refresh_from_db()
    with pytest.raises(ActionRefused, match="representatives of a provincial body"):
        okanagan_recommendation.record_decision(
            "declined", by=council_of(okanagan), decided_on=timezone.localdate(), link=MOTION
        )
    official = MembershipFactory(
        organization=OrganizationFactory(kind=Organization.Kind.PROVINCIAL), can_represent=True
    ).user
    okanagan_recommendation.record_decision(
        "declined", by=official, decided_on=timezone.localdate(), link=MOTION
    )
    assert okanagan_recommendation.stage == "declined"


def test_decisions_of_a_non_government_decision_maker_are_the_facilitators_alone(
    okanagan_recommendation, okanagan
):
    RecommendationPage.objects.filter(pk=okanagan_recommendation.pk).update(
        decision_maker="funders"
    )
    okanagan_recommendation.refresh_from_db()
    funder_rep = MembershipFactory(
        organization=OrganizationFactory(kind=Organization.Kind.FUNDER), can_represent=True
    ).user
    for person in (council_of(okanagan), funder_rep):
        with pytest.raises(ActionRefused, match="is not a government organization on this site"):
            okanagan_recommendation.record_decision(
                "deferred", by=person, decided_on=timezone.localdate(), link=MOTION
            )
    assert not StageChange.objects.exists()


def test_a_representative_of_the_decision_maker_is_offered_only_the_decisions(
    client, okanagan_recommendation, okanagan, prince_george
):
    client.force_login(council_of(okanagan))
    form = client.get(okanagan_recommendation.url).context["stage_form"]
    assert [name for name, _ in form.fields["action"].choices] == [
        "adopted",
        "declined",
        "deferred",
    ]
    client.force_login(council_of(prince_george))
    body = client.get(okanagan_recommendation.url).content.decode()
    assert "Record decision: adopted" not in body
