"""Members-only round tables and meeting details never reach people who may not see them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from convenings.models import ConveningPage, RoundTablePage
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SECRET_TEXT = ["Hidden Peer Table", "Confidential peer planning", "Secret safety planning"]
MEETING_DETAILS = ["123 Secret Street", "meet.example.org/secret-room"]


def assert_absent(response, needles):
    body = response.content.decode()
    for needle in needles:
        assert needle not in body, f"{needle!r} leaked"


def test_visitor_gets_404_for_a_members_only_table(client, private_table):
    response = client.get(private_table.url)
    assert response.status_code == 404
    assert_absent(response, SECRET_TEXT)


def test_visitor_gets_404_for_a_convening_of_a_members_only_table(client, private_convening):
    response = client.get(private_convening.url)
    assert response.status_code == 404
    assert_absent(response, SECRET_TEXT + MEETING_DETAILS)


def test_outsider_gets_404_for_a_members_only_table(client, outsider, private_table):
    client.force_login(outsider)
    assert client.get(private_table.url).status_code == 404


def test_table_member_can_read_the_members_only_table(client, private_member, private_convening):
    client.force_login(private_member)
    response = client.get(private_convening.get_parent().url)
    assert response.status_code == 200
    assert "Secret safety planning" in response.content.decode()


def test_member_of_a_member_organization_can_read_the_members_only_table(
    client, private_table, private_convening
):
    person = MembershipFactory().user
    private_table.member_organizations.add(person.memberships.get().organization)
    private_table.save_revision().publish()
    client.force_login(person)
    assert client.get(private_table.url).status_code == 200


def test_listing_and_home_hide_members_only_tables_from_visitors(
    client, public_table, private_convening
):
    index = client.get("/round-tables/")
    assert "Prince George Table" in index.content.decode()
    assert_absent(index, SECRET_TEXT)
    home = client.get("/")
    assert home.status_code == 200
    assert_absent(home, SECRET_TEXT)


def test_search_never_returns_members_only_pages_to_visitors(client, private_convening):
    response = client.get(reverse("search"), {"q": "secret"})
    assert response.status_code == 200
    assert_absent(response, SECRET_TEXT)


def test_search_finds_members_only_pages_for_table_members(
    client, private_member, private_convening
):
    client.force_login(private_member)
    response = client.get(reverse("search"), {"q": "secret"})
    assert "Secret safety planning" in response.content.decode()


def test_calendar_of_a_members_only_table_is_404_for_visitors(client, private_convening):
    url = reverse("round_table_calendar", kwargs={"table": "hidden-peer-table"})
    assert client.get(url).status_code == 404
    one = reverse(
        "convening_calendar",
        kwargs={"table": "hidden-peer-table", "convening": private_convening.slug},
    )
    assert client.get(one).status_code == 404


def test_visible_to_queryset_matches_the_rule_for_each_person(
    private_table, public_table, private_member, outsider, django_user_model
):
    admin = django_user_model.objects.create_superuser("root@example.org", "x", display_name="A")
    assert set(RoundTablePage.objects.visible_to(AnonymousUser())) == {public_table}
    assert set(RoundTablePage.objects.visible_to(outsider)) == {public_table}
    assert set(RoundTablePage.objects.visible_to(private_member)) == {public_table, private_table}
    assert set(RoundTablePage.objects.visible_to(admin)) == {public_table, private_table}


def test_unpublished_convening_is_invisible(upcoming):
    upcoming.unpublish()
    assert not ConveningPage.objects.visible_to(AnonymousUser()).filter(pk=upcoming.pk).exists()


def test_meeting_link_and_address_are_hidden_from_visitors(client, upcoming):
    response = client.get(upcoming.url)
    assert response.status_code == 200
    assert_absent(response, MEETING_DETAILS)
    assert "shown to registered members only" in response.content.decode()


def test_meeting_link_is_hidden_from_members_who_have_not_registered(client, member, upcoming):
    client.force_login(member)
    assert_absent(client.get(upcoming.url), MEETING_DETAILS)


def test_meeting_link_is_shown_once_registered(client, member, upcoming):
    upcoming.register(user=member)
    client.force_login(member)
    body = client.get(upcoming.url).content.decode()
    for detail in MEETING_DETAILS:
        assert detail in body


def test_facilitator_sees_meeting_details_without_registering(client, facilitator, upcoming):
    client.force_login(facilitator)
    body = client.get(upcoming.url).content.decode()
    assert "123 Secret Street" in body


def test_calendar_never_carries_the_address_or_link(client, member, upcoming):
    upcoming.register(user=member)
    client.force_login(member)
    url = reverse("round_table_calendar", kwargs={"table": "pg-table"})
    assert_absent(client.get(url), [*MEETING_DETAILS, "Secret Street"])


def test_wagtail_never_offers_shared_passwords(settings):
    assert settings.WAGTAIL_PRIVATE_PAGE_OPTIONS == {"password": False}
