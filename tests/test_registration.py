"""RSVP: members register, a full convening takes no more, and people can cancel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commontable.errors import ActionRefused
from convenings.models import Registration
from tests.factories import ConveningPageFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def register_url(convening):
    return convening.url + "register/"


def cancel_url(convening):
    return convening.url + "cancel/"


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


def test_full_convening_says_so_and_takes_no_more(client, upcoming):
    first, second, third = (MembershipFactory().user for _ in range(3))
    upcoming.register(user=first)
    upcoming.register(user=second)
    client.force_login(third)
    response = client.post(register_url(upcoming), follow=True)
    body = response.content.decode()
    assert "This convening is full: all 2 places are taken." in body
    assert Registration.objects.filter(convening=upcoming).count() == 2
    assert "Register to attend" not in body


def test_capacity_is_enforced_by_the_model(upcoming):
    upcoming.register(user=MembershipFactory().user)
    upcoming.register(user=MembershipFactory().user)
    with pytest.raises(ActionRefused, match="full"):
        upcoming.register(user=MembershipFactory().user)


def test_places_left_is_shown(client, member, upcoming):
    upcoming.register(user=MembershipFactory().user)
    body = client.get(upcoming.url).content.decode()
    assert "1 of 2 places left." in body


def test_registering_twice_is_refused_with_a_message(member, upcoming):
    upcoming.register(user=member)
    with pytest.raises(ActionRefused, match="already registered"):
        upcoming.register(user=member)
    assert Registration.objects.count() == 1


def test_member_cancels_and_frees_the_place(client, upcoming):
    first, second, third = (MembershipFactory().user for _ in range(3))
    upcoming.register(user=first)
    upcoming.register(user=second)
    client.force_login(first)
    response = client.post(cancel_url(upcoming), follow=True)
    assert "Your registration is cancelled" in response.content.decode()
    assert not Registration.objects.filter(user=first).exists()
    upcoming.register(user=third)
    assert Registration.objects.filter(convening=upcoming).count() == 2


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
