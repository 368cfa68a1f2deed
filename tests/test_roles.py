"""Per-table roles: facilitators edit their own table in the admin, and only theirs."""

import pytest
from django.db import IntegrityError
from wagtail.models import Page

from convenings.models import RoundTableRole
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
)

pytestmark = pytest.mark.django_db


def test_facilitator_can_edit_their_table_but_not_another(client, facilitator, public_table):
    other = RoundTablePageFactory(title="Victoria table")
    convening = ConveningPageFactory(parent=public_table)
    client.force_login(facilitator)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{public_table.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{convening.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{other.pk}/edit/").status_code in {302, 403}
    permissions = public_table.permissions_for_user(facilitator)
    assert permissions.can_add_subpage() and permissions.can_publish()
    assert not other.permissions_for_user(facilitator).can_edit()


def test_member_has_no_admin_access(client, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302


def test_removing_a_facilitator_takes_their_access_away(facilitator, public_table):
    RoundTableRole.objects.filter(user=facilitator).delete()
    assert not public_table.permissions_for_user(facilitator).can_edit()
    assert not public_table.is_facilitator(facilitator)


def test_joining_a_member_organization_makes_you_a_member(private_table):
    person = MembershipFactory().user
    assert not private_table.is_member(person)
    private_table.member_organizations.add(person.memberships.get().organization)
    private_table.save_revision().publish()
    assert private_table.is_member(person)
    MembershipFactory(organization=person.memberships.get().organization)  # another joins
    assert private_table.member_group.user_set.count() == 2


def test_leaving_the_organization_removes_table_access(private_table):
    membership = MembershipFactory()
    private_table.member_organizations.add(membership.organization)
    private_table.save_revision().publish()
    membership.delete()
    assert not private_table.member_group.user_set.filter(pk=membership.user_id).exists()


def test_members_only_switch_adds_and_removes_the_view_restriction(public_table):
    public_table.members_only = True
    public_table.save_revision().publish()
    assert Page.objects.public().filter(pk=public_table.pk).count() == 0
    public_table.members_only = False
    public_table.save_revision().publish()
    assert Page.objects.public().filter(pk=public_table.pk).count() == 1


def test_a_person_holds_one_role_per_table(facilitator, public_table):
    with pytest.raises(IntegrityError):
        RoundTableRoleFactory(round_table=public_table, user=facilitator)
