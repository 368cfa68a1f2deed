"""RSVP: the people the table expects register, a full convening takes no more, and
people can cancel; a cancelled registration stays on record."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commontable.core.errors import ActionRefused
from convenings.models import ConveningPage, Registration
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = "123 Secret Street"
LINK = "https://meet.example.org/secret-room"


def register_url(convening):
    return convening.url + "register/"


def cancel_url(convening):
    return convening.url + "cancel/"


@pytest.fixture
def table_people(organization):
    """Three more people of the public table's organization."""
    return [MembershipFactory(organization=organization).user for _ in range(3)]


def test_member_registers_from_the_page(client, member, upcoming):
    client.force_login(member)
    response = client.post(register_url(upcoming), follow=True)
    assert response.status_code == 200
    assert Registration.objects.filter(convening=upcoming, user=member).exists()
    assert "You are registered" in response.content.decode()


def test_member_registers_for_their_organization(client, member, upcoming):
    organization = member.memberships.get().organization
    client.force_login(member)
    client.post(register_url(upcoming), {"organization": organization.pk})
    assert Registration.objects.get(user=member).organization == organization


def test_registering_for_someone_elses_organization_is_refused(client, member, upcoming):
    other = MembershipFactory().organization
    client.force_login(member)
    response = client.post(register_url(upcoming), {"organization": other.pk}, follow=True)
    assert not Registration.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_full_convening_says_so_and_takes_no_more(client, upcoming, table_people):
    first, second, third = table_people
    upcoming.register(user=first)
    upcoming.register(user=second)
    client.force_login(third)
    response = client.post(register_url(upcoming), follow=True)
    body = response.content.decode()
    assert "This convening is full: all 2 places are taken." in body
    assert Registration.objects.filter(convening=upcoming).count() == 2
    assert "Register to attend" not in body


def test_capacity_is_enforced_by_the_model(upcoming, table_people):
    upcoming.register(user=table_people[0])
    upcoming.register(user=table_people[1])
    with pytest.raises(ActionRefused, match="full"):
        upcoming.register(user=table_people[2])


def test_places_left_is_shown(client, upcoming, table_people):
    upcoming.register(user=table_people[0])
    body = client.get(upcoming.url).content.decode()
    assert "1 of 2 places left." in body


def test_registering_twice_is_refused_with_a_message(member, upcoming):
    upcoming.register(user=member)
    with pytest.raises(ActionRefused, match="already registered"):
        upcoming.register(user=member)
    assert Registration.objects.count() == 1


def test_cancelling_without_a_registration_is_refused(client, member, upcoming):
    client.force_login(member)
    response = client.post(cancel_url(upcoming), follow=True)
    assert "You are not registered for this convening." in response.content.decode()


def test_visitor_is_sent_to_sign_in_and_nothing_is_saved(client, upcoming):
    response = client.post(register_url(upcoming))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Registration.objects.exists()


def test_person_without_an_organization_cannot_register(client, upcoming):
    loner = UserFactory()
    client.force_login(loner)
    response = client.post(register_url(upcoming), follow=True)
    assert "Only members can register" in response.content.decode()
    assert not Registration.objects.exists()


def test_registration_needs_post(client, member, upcoming):
    client.force_login(member)
    assert client.get(register_url(upcoming)).status_code == 405
    assert client.get(cancel_url(upcoming)).status_code == 405


def test_past_convening_takes_no_registrations(member, public_table):
    past = ConveningPageFactory(
        parent=public_table,
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    with pytest.raises(ActionRefused, match="already taken place"):
        past.register(user=member)


def test_anonymous_attendance_names_no_organization(member, upcoming):
    organization = member.memberships.get().organization
    registration = upcoming.register(user=member, organization=organization, anonymous=True)
    assert registration.anonymous


# Who may register: the people the table expects, unless a facilitator opens it


def test_a_member_of_another_organization_is_refused_and_nothing_is_saved(
    client, outsider, upcoming
):
    client.force_login(outsider)
    response = client.post(register_url(upcoming), follow=True)
    body = html.unescape(response.content.decode())
    assert "Registration is for the people of this round table's organizations." in body
    assert "Ask the table's facilitators to add your organization" in body
    assert not Registration.objects.exists()
    assert ADDRESS not in body and LINK not in body


def test_the_page_tells_someone_who_may_not_register_whom_to_ask(client, outsider, upcoming):
    client.force_login(outsider)
    body = html.unescape(client.get(upcoming.url).content.decode())
    assert "Ask the table's facilitators to add your organization" in body
    assert "Register to attend" not in body


def test_the_model_refuses_a_member_of_another_organization(outsider, upcoming):
    with pytest.raises(ActionRefused, match="people of this round table's organizations"):
        upcoming.register(user=outsider)
    assert not Registration.objects.exists()


def test_opening_a_convening_lets_in_any_member_the_default_refuses(client, outsider, upcoming):
    client.force_login(outsider)
    client.post(register_url(upcoming))
    assert not Registration.objects.exists()
    ConveningPage.objects.filter(pk=upcoming.pk).update(open_registration=True)
    body = client.post(register_url(upcoming), follow=True).content.decode()
    assert Registration.objects.filter(user=outsider).exists()
    assert ADDRESS in body and LINK in body


def test_a_registration_made_before_the_rule_shows_no_address(client, outsider, upcoming):
    Registration.objects.create(convening=upcoming, user=outsider)
    client.force_login(outsider)
    body = client.get(upcoming.url).content.decode()
    assert ADDRESS not in body and LINK not in body


def test_leaving_the_tables_organizations_ends_the_meeting_details_at_once(
    client, member, upcoming
):
    upcoming.register(user=member)
    client.force_login(member)
    assert ADDRESS in client.get(upcoming.url).content.decode()
    member.memberships.all().delete()
    body = client.get(upcoming.url).content.decode()
    assert ADDRESS not in body and LINK not in body


def test_facilitators_can_open_a_convening_from_the_scheduling_form(
    client, facilitator, public_table
):
    client.force_login(facilitator)
    form = client.get(reverse("convening_create", kwargs={"table": public_table.slug}))
    assert "Open registration to every member" in form.content.decode()
    client.post(
        reverse("convening_create", kwargs={"table": public_table.slug}),
        {
            "title": "Open house",
            "starts_at": "2031-10-02T18:00",
            "ends_at": "2031-10-02T20:30",
            "time_zone": "America/Vancouver",
            "format": "in_person",
            "open_registration": "on",
        },
    )
    assert ConveningPage.objects.get(title="Open house").open_registration


# Cancelling keeps the registration, as a record of who saw the address


def test_cancelling_keeps_the_registration_with_its_time(client, member, upcoming):
    upcoming.register(user=member)
    client.force_login(member)
    response = client.post(cancel_url(upcoming), follow=True)
    body = response.content.decode()
    assert "Your registration is cancelled" in body
    assert ADDRESS not in body and LINK not in body
    assert "Register to attend" in body
    registration = Registration.objects.get(user=member)
    assert registration.cancelled_at is not None
    assert timezone.now() - registration.cancelled_at < timedelta(minutes=1)
    with pytest.raises(ActionRefused, match="not registered"):
        upcoming.cancel_registration(user=member)


def test_a_cancelled_registration_frees_its_place(upcoming, table_people):
    first, second, third = table_people
    upcoming.register(user=first)
    upcoming.register(user=second)
    upcoming.cancel_registration(user=first)
    upcoming.register(user=third)
    assert Registration.objects.filter(convening=upcoming).active().count() == 2
    assert ConveningPage.objects.annotate_registrations().get(pk=upcoming.pk).registered_count == 2


def test_registering_again_after_cancelling_makes_a_new_registration(member, upcoming):
    first = upcoming.register(user=member)
    upcoming.cancel_registration(user=member)
    second = upcoming.register(user=member)
    assert second.pk != first.pk
    assert list(Registration.objects.filter(user=member).active()) == [second]
    assert list(Registration.objects.filter(user=member).cancelled()) == [first]


def test_someone_who_lost_their_place_at_the_table_may_still_cancel(member, upcoming):
    upcoming.register(user=member)
    member.memberships.all().delete()
    upcoming.cancel_registration(user=member)
    assert Registration.objects.get(user=member).cancelled_at is not None


def test_facilitators_see_who_registered_and_who_cancelled_with_the_time(
    client, facilitator, member, upcoming, table_people
):
    upcoming.register(user=member)
    upcoming.cancel_registration(user=member)
    upcoming.register(user=table_people[0])
    cancelled = Registration.objects.get(user=member)
    client.force_login(facilitator)
    response = client.get(upcoming.url)
    body = response.content.decode()
    assert "Who registered" in body
    assert member.display_name in body and table_people[0].display_name in body
    assert f'datetime="{timezone.localtime(cancelled.cancelled_at).isoformat()}"' in body
    assert list(response.context["registrations"]) == [
        Registration.objects.get(user=table_people[0]),
        cancelled,
    ]
    client.force_login(table_people[1])
    body = client.get(upcoming.url).content.decode()
    assert "Who registered" not in body
    assert member.display_name not in body
