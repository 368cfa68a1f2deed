"""Honest anonymity: "a peer-led organization" only where it hides the organization.

An anonymous credit names a kind of organization. It hides the poster's
organization only when another organization of that kind shares the need's
audience: the table's member organizations for members-only needs, the
organizations serving the community (and at the table) for public ones.
A convening's "who came" list follows the same rule.
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from convenings.models import ConveningAttendance, Need, Organization
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    RoundTablePageFactory,
)

pytestmark = pytest.mark.django_db

ONLY_AT_TABLE = (
    "Not offered: yours is the only peer-led organization at this round table, "
    "so this would name it."
)


@pytest.fixture
def community():
    return CommunityFactory(name="Prince George", slug="prince-george")


@pytest.fixture
def peer_group(community):
    organization = OrganizationFactory(
        name="Northern Peer Power", kind=Organization.Kind.PEER_LED, peer_led=True
    )
    organization.communities.add(community)
    return organization


@pytest.fixture
def poster(peer_group):
    return MembershipFactory(organization=peer_group).user


@pytest.fixture
def table(community, peer_group):
    """A members-only table where the peer group is the only peer-led organization."""
    return RoundTablePageFactory(
        title="Peer Safety Table",
        community=community,
        members_only=True,
        member_organizations=[peer_group, OrganizationFactory(name="Downtown Clinic")],
    )


def second_peer_group(community=None, table=None) -> Organization:
    organization = OrganizationFactory(
        name="Harbourside Peers", kind=Organization.Kind.PEER_LED, peer_led=True
    )
    if community:
        organization.communities.add(community)
    if table:
        table.member_organizations.add(organization)
        table.save_revision().publish()
    return organization


def leaves(table, organization) -> None:
    """The organization leaves the table, as a facilitator publishing the change would do."""
    table.member_organizations.remove(organization)
    table.save_revision().publish()


def need_data(organization, community, **overrides) -> dict:
    data = {
        "title": "Overnight drop-in",
        "description": "Nowhere warm to go after midnight.",
        "who_is_affected": "Women doing survival sex work",
        "community": community.pk,
        "tags": "",
        "urgency": "pressing",
        "evidence": "",
        "organization": organization.pk,
        "attribution": "peer_led",
        "visibility": "public",
        "round_table": "",
        "convening": "",
    }
    data.update(overrides)
    return data


def attribution_choice(body: str, value: str):
    """The radio input for one way of crediting the need, read by an HTML parser."""
    return BeautifulSoup(body, "html.parser").find(
        "input", attrs={"name": "attribution", "value": value}
    )


def refusal_beside(body: str, value: str) -> str:
    """The reason shown beside a refused choice (the text its aria-describedby points at)."""
    soup = BeautifulSoup(body, "html.parser")
    choice = soup.find("input", attrs={"name": "attribution", "value": value})
    note = soup.find(id=choice["aria-describedby"])
    return note.get_text(" ", strip=True)


# Posting: the rule refuses, and changes nothing


def test_peer_led_credit_is_refused_where_yours_is_the_only_peer_group_at_the_table(
    client, poster, peer_group, table, community
):
    client.force_login(poster)
    response = client.post(
        reverse("need_create"),
        need_data(peer_group, community, visibility="members", round_table=table.pk),
    )
    assert response.status_code == 200
    assert ONLY_AT_TABLE in response.content.decode()
    assert not Need.objects.exists()


def test_peer_led_credit_is_offered_once_a_second_peer_group_sits_at_the_table(
    client, poster, peer_group, table, community
):
    client.force_login(poster)
    data = need_data(peer_group, community, visibility="members", round_table=table.pk)
    assert ONLY_AT_TABLE in client.post(reverse("need_create"), data).content.decode()
    second_peer_group(table=table)
    response = client.post(reverse("need_create"), data)
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.attribution == Need.Attribution.PEER_LED
    assert "A peer-led organization" in client.get(need.get_absolute_url()).content.decode()


def test_a_peer_group_serving_the_community_but_not_at_a_members_only_table_does_not_count(
    client, poster, peer_group, table, community
):
    second_peer_group(community=community)
    client.force_login(poster)
    response = client.post(
        reverse("need_create"),
        need_data(peer_group, community, visibility="members", round_table=table.pk),
    )
    assert ONLY_AT_TABLE in response.content.decode()
    assert not Need.objects.exists()


def test_public_need_is_refused_where_no_other_peer_group_serves_the_community(
    client, poster, peer_group, community
):
    client.force_login(poster)
    response = client.post(reverse("need_create"), need_data(peer_group, community))
    assert (
        "Not offered: yours is the only peer-led organization serving Prince George, "
        "so this would name it."
    ) in response.content.decode()
    assert not Need.objects.exists()


def test_public_need_hides_among_the_peer_groups_serving_its_community(
    client, poster, peer_group, community
):
    client.force_login(poster)
    data = need_data(peer_group, community)
    assert "Not offered" in client.post(reverse("need_create"), data).content.decode()
    second_peer_group(community=community)
    response = client.post(reverse("need_create"), data)
    assert response.status_code == 302
    assert Need.objects.get().attribution == Need.Attribution.PEER_LED


def test_a_peer_group_in_another_community_does_not_hide_a_public_need(
    client, poster, peer_group, community
):
    second_peer_group(community=CommunityFactory(name="Okanagan"))
    client.force_login(poster)
    response = client.post(reverse("need_create"), need_data(peer_group, community))
    assert "serving Prince George, so this would name it." in response.content.decode()
    assert not Need.objects.exists()


def test_frontline_credit_is_refused_for_an_organization_that_is_not_a_frontline_provider(
    client, community
):
    union = OrganizationFactory(name="Peer Workers' Union", kind=Organization.Kind.UNION)
    client.force_login(MembershipFactory(organization=union).user)
    response = client.post(
        reverse("need_create"), need_data(union, community, attribution="frontline")
    )
    assert "Peer Workers&#x27; Union is not a frontline service provider." in (
        response.content.decode()
    )
    assert not Need.objects.exists()


def test_frontline_credit_is_refused_where_yours_is_the_only_frontline_provider(client, community):
    clinic = OrganizationFactory(name="Downtown Clinic", kind=Organization.Kind.FRONTLINE)
    clinic.communities.add(community)
    client.force_login(MembershipFactory(organization=clinic).user)
    response = client.post(
        reverse("need_create"), need_data(clinic, community, attribution="frontline")
    )
    assert (
        "Not offered: yours is the only frontline provider serving Prince George"
        in response.content.decode()
    )
    assert not Need.objects.exists()


# The form says why, beside the choice


def test_the_form_disables_a_credit_that_cannot_hide_the_organization_and_says_why(
    client, community
):
    clinic = OrganizationFactory(name="Downtown Clinic", kind=Organization.Kind.FRONTLINE)
    client.force_login(MembershipFactory(organization=clinic).user)
    body = client.get(reverse("need_create")).content.decode()
    assert attribution_choice(body, "peer_led").has_attr("disabled")
    assert refusal_beside(body, "peer_led") == "Not offered: Downtown Clinic is not peer-led."
    assert not attribution_choice(body, "organization").has_attr("disabled")


def test_after_a_refused_post_the_reason_stands_beside_the_choice(
    client, poster, peer_group, table, community
):
    client.force_login(poster)
    response = client.post(
        reverse("need_create"),
        need_data(peer_group, community, visibility="members", round_table=table.pk),
    )
    body = response.content.decode()
    assert refusal_beside(body, "peer_led") == ONLY_AT_TABLE
    # Everything typed is kept.
    assert 'value="Overnight drop-in"' in body


def test_editing_a_need_whose_credit_no_longer_hides_it_says_why(
    client, poster, peer_group, table, community
):
    other = second_peer_group(table=table)
    need = NeedFactory(
        organization=peer_group,
        posted_by=poster,
        community=community,
        round_table=table,
        visibility=Need.Visibility.MEMBERS,
        attribution=Need.Attribution.PEER_LED,
    )
    leaves(table, other)
    client.force_login(poster)
    body = client.get(reverse("need_edit", args=[need.pk])).content.decode()
    assert refusal_beside(body, "peer_led") == ONLY_AT_TABLE
    response = client.post(
        reverse("need_edit", args=[need.pk]),
        need_data(peer_group, community, visibility="members", round_table=table.pk),
    )
    assert ONLY_AT_TABLE in response.content.decode()
    need.refresh_from_db()
    assert need.title != "Overnight drop-in"


# What readers see when the cover is gone


def test_a_credit_that_no_longer_hides_the_organization_drops_the_kind_on_its_page(
    client, poster, peer_group, table, community
):
    other = second_peer_group(table=table)
    need = NeedFactory(
        organization=peer_group,
        community=community,
        round_table=table,
        visibility=Need.Visibility.MEMBERS,
        attribution=Need.Attribution.PEER_LED,
    )
    leaves(table, other)
    client.force_login(poster)
    body = client.get(need.get_absolute_url()).content.decode()
    assert "From An organization at this round table" in body
    assert "A peer-led organization" not in body


def test_a_listing_drops_the_kind_too(client, poster, peer_group, community):
    other = second_peer_group(community=community)
    NeedFactory(
        title="Peer-credited need",
        organization=peer_group,
        community=community,
        attribution=Need.Attribution.PEER_LED,
    )
    assert "From A peer-led organization" in client.get(reverse("need_list")).content.decode()
    other.communities.clear()
    body = client.get(reverse("need_list")).content.decode()
    assert "From An organization serving Prince George" in body
    assert "A peer-led organization" not in body
    assert "Northern Peer Power" not in body


def test_the_api_drops_the_kind_as_the_page_does(client, peer_group, community):
    need = NeedFactory(
        organization=peer_group, community=community, attribution=Need.Attribution.PEER_LED
    )
    body = client.get(f"/api/v1/needs/{need.pk}").json()
    assert body["attribution"] == "An organization serving Prince George"
    assert "Northern Peer Power" not in str(body)


def test_a_need_fetched_without_the_listing_annotation_follows_the_same_rule(peer_group, community):
    need = NeedFactory(
        organization=peer_group, community=community, attribution=Need.Attribution.PEER_LED
    )
    assert Need.objects.get(pk=need.pk).credited_to == "An organization serving Prince George"
    second_peer_group(community=community)
    assert Need.objects.get(pk=need.pk).credited_to == "A peer-led organization"


# Who came to a convening


def came(convening, *rows) -> None:
    """Record attendance as the admin's inline panel does: (organization, people, listed as)."""
    convening.attendance = [
        ConveningAttendance(organization=organization, people=people, listed_as=listed_as)
        for organization, people, listed_as in rows
    ]
    convening.save_revision().publish()


def who_came(client, convening) -> list[list[str]]:
    """The rows of the page's "who came" table, read by an HTML parser."""
    soup = BeautifulSoup(client.get(convening.url).content.decode(), "html.parser")
    table = soup.find(id="attendance-heading").find_parent("section").find("table")
    return [[cell.get_text(strip=True) for cell in row.find_all("td")] for row in table.tbody("tr")]


@pytest.fixture
def past_convening(community, peer_group):
    table = RoundTablePageFactory(community=community, member_organizations=[peer_group])
    return ConveningPageFactory(
        parent=table,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=2),
    )


BY_KIND = ConveningAttendance.ListedAs.PEER_LED
BY_NAME = ConveningAttendance.ListedAs.NAME


def test_who_came_says_a_peer_led_organization_only_where_another_could_be_meant(
    client, past_convening, peer_group, community
):
    clinic = OrganizationFactory(name="Downtown Clinic")
    came(past_convening, (peer_group, 3, BY_KIND), (clinic, 2, BY_NAME))
    assert who_came(client, past_convening) == [["Downtown Clinic", "2"], ["An organization", "3"]]
    second_peer_group(community=community)
    assert who_came(client, past_convening) == [
        ["Downtown Clinic", "2"],
        ["A peer-led organization", "3"],
    ]


def test_a_peer_group_named_in_the_list_does_not_hide_another(
    client, past_convening, peer_group, community
):
    other = second_peer_group(community=community)
    came(past_convening, (peer_group, 3, BY_KIND), (other, 1, BY_NAME))
    rows = who_came(client, past_convening)
    assert ["An organization", "3"] in rows
    assert all("Northern Peer Power" not in cell for row in rows for cell in row)


def test_rows_listed_by_kind_come_after_the_named_ones_whatever_the_alphabet(
    client, past_convening, peer_group, community
):
    second_peer_group(community=community)
    zebra = OrganizationFactory(name="Zebra Housing Co-op")
    came(past_convening, (zebra, 1, BY_NAME), (peer_group, 3, BY_KIND))
    assert who_came(client, past_convening) == [
        ["Zebra Housing Co-op", "1"],
        ["A peer-led organization", "3"],
    ]


def test_only_an_organization_of_that_kind_may_be_listed_as_one(db):
    clinic = OrganizationFactory(name="Downtown Clinic")
    row = ConveningAttendance(organization=clinic, people=1, listed_as=BY_KIND)
    with pytest.raises(ValidationError, match="Downtown Clinic is not peer-led"):
        row.clean()
    unaffiliated = ConveningAttendance(organization=None, people=1, listed_as=BY_KIND)
    with pytest.raises(ValidationError, match="listed without one"):
        unaffiliated.clean()
