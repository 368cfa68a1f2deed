"""Losing sight of something ends it everywhere at once.

A need's page names its round table and convening only while the reader may
see them; a person who leaves a table keeps their own words (their needs, in
their export) but not the hidden context around them: titles, times, places.
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from convenings.models import ConveningPage, Need
from recommendations.models import Endorsement, Notification
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    RecommendationPageFactory,
    RoundTableRoleFactory,
)

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


# The data export: own words and facts, never the hidden context


def export(client, user) -> tuple[dict, str]:
    client.force_login(user)
    response = client.post("/accounts/data/")
    assert response.status_code == 200
    return json.loads(response.content), response.content.decode()


def test_the_export_no_longer_names_a_convening_the_person_cannot_see(
    client, member, upcoming, private_table
):
    registration = upcoming.register(user=member)
    upcoming.cancel_registration(user=member)
    upcoming.move(private_table, pos="last-child")
    moved = ConveningPage.objects.get(pk=upcoming.pk)
    moved.title = "Renamed zqxhiddenconvening"
    moved.starts_at = timezone.now() + timedelta(days=40)
    moved.ends_at = moved.starts_at + timedelta(hours=2)
    moved.save_revision().publish()
    data, raw = export(client, member)
    (exported,) = data["registrations"]
    assert exported["convening"] == "a convening you can no longer see"
    assert exported["starts"] is None
    assert exported["registered"].startswith(f"{registration.created_at:%Y-%m-%dT%H:%M:%S}")
    assert exported["cancelled"]
    for hidden in ("zqxhiddenconvening", "Spring convening", "Secret Street", "secret-room"):
        assert hidden not in raw


def test_the_export_keeps_a_posters_words_but_not_the_table_they_left(
    client, poster_who_left, private_table
):
    poster, _ = poster_who_left
    data, raw = export(client, poster)
    (posted,) = data["needs_posted"]
    assert posted["title"] == "Safe rooms for the night"
    assert posted["description"] == "Our own words about what we need."
    assert posted["round_table"] is None
    assert private_table.title not in raw


def test_the_export_keeps_an_endorsement_statement_but_not_the_hidden_recommendation(
    client, private_table
):
    representative = MembershipFactory(can_represent=True).user
    hidden = RecommendationPageFactory(parent=private_table, title="Housing zqxhiddenrec")
    Endorsement.objects.create(
        recommendation=hidden,
        organization=representative.memberships.get().organization,
        representative=representative,
        statement="Our own statement.",
    )
    data, raw = export(client, representative)
    assert data["endorsements"][0]["statement"] == "Our own statement."
    assert data["endorsements"][0]["recommendation"] == "a recommendation you can no longer see"
    assert "zqxhiddenrec" not in raw


def test_the_export_leaves_out_unsent_news_about_what_the_person_can_no_longer_see(
    client, outsider, private_table
):
    hidden = RecommendationPageFactory(parent=private_table, title="Housing zqxhiddenrec")
    for event, sent_at in (("unsent", None), ("sent", timezone.now())):
        Notification.objects.create(
            user=outsider,
            event=f"stage-change:{event}",
            topic=f"recommendation:{hidden.pk}",
            subject="Housing zqxhiddenrec is now proposed",
            body="Housing zqxhiddenrec moved.",
            url=f"https://example.org{hidden.url}",
            frequency="weekly",
            sent_at=sent_at,
        )
    data, raw = export(client, outsider)
    assert [n["subject"] for n in data["notifications"]] == [
        "news about something you can no longer see"
    ]
    assert data["notifications"][0]["sent"]
    assert "zqxhiddenrec" not in raw
