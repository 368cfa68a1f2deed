"""Losing sight of something ends it everywhere at once (DESIGN §9).

A need's page names its round table and convening only while the reader may
see them; a person who leaves a table keeps their own words (their needs, in
their export) but not the hidden context around them: titles, times, places.
"""

import pytest
from django.urls import reverse

from convenings.models import Need
from tests.factories import MembershipFactory, NeedFactory, RoundTableRoleFactory

pytestmark = pytest.mark.django_db


def need_page(client, need) -> str:
    return client.get(reverse("need_detail", args=[need.pk])).content.decode()


# A need's round table and convening (item: the edges of public pages)


def test_a_public_need_stops_naming_its_convening_once_that_moves_to_a_members_only_table(
    client, public_table, private_table, upcoming
):
    need = NeedFactory(title="Warming space", round_table=public_table, convening=upcoming)
    upcoming.move(private_table, pos="last-child")
    upcoming.refresh_from_db()
    body = need_page(client, need)
    assert "Warming space" in body and public_table.title in body
    assert upcoming.title not in body
    assert upcoming.url not in body


def test_a_public_need_stops_naming_an_unpublished_convening(client, public_table, upcoming):
    need = NeedFactory(title="Warming space", round_table=public_table, convening=upcoming)
    upcoming.unpublish()
    body = need_page(client, need)
    assert upcoming.title not in body


def test_the_tables_members_still_see_the_moved_convening(
    client, public_table, private_table, upcoming, private_member
):
    need = NeedFactory(title="Warming space", round_table=public_table, convening=upcoming)
    upcoming.move(private_table, pos="last-child")
    client.force_login(private_member)
    assert need_page(client, need).count(upcoming.title) >= 1
    client.logout()
    assert upcoming.title not in need_page(client, need)


@pytest.fixture
def poster_who_left(private_table, private_convening):
    """A member who posted a members-only need at the private table, then left it."""
    poster = MembershipFactory().user
    role = RoundTableRoleFactory(round_table=private_table, user=poster)
    private_table.sync_access()
    need = NeedFactory(
        title="Safe rooms for the night",
        description="Our own words about what we need.",
        organization=poster.memberships.get().organization,
        posted_by=poster,
        round_table=private_table,
        convening=private_convening,
        visibility=Need.Visibility.MEMBERS,
    )
    role.delete()
    private_table.sync_access()
    return poster, need


def test_a_poster_who_left_keeps_their_need_but_not_the_table_or_convening(
    client, poster_who_left, private_table, private_convening
):
    poster, need = poster_who_left
    client.force_login(poster)
    body = need_page(client, need)
    assert "Safe rooms for the night" in body
    assert "Our own words about what we need." in body
    for hidden in (
        private_table.title,
        private_table.url,
        private_convening.title,
        private_convening.url,
    ):
        assert hidden not in body


def test_the_api_gives_a_poster_who_left_no_round_table(client, poster_who_left):
    poster, need = poster_who_left
    client.force_login(poster)
    detail = client.get(f"/api/v1/needs/{need.pk}").json()
    assert detail["title"] == "Safe rooms for the night"
    assert detail["round_table"] is None
    listed = {item["id"]: item for item in client.get("/api/v1/needs").json()["items"]}
    assert listed[need.pk]["round_table"] is None
