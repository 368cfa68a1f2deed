"""Facilitators' front-end actions: scheduling convenings, recording attendance and minutes."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import GroupPagePermission, PageLogEntry

from commontable.core.errors import ActionRefused
from convenings.models import ConveningAttendance, ConveningPage, RoundTableRole
from recommendations.models import Follow, Notification
from tests.browser import (
    DESKTOP,
    NARROWEST,
    activate,
    axe_violations,
    check_by_keyboard,
    choose_by_keyboard,
    describe_violations,
    fill_by_keyboard,
    horizontal_overflow,
    screenshot,
    start_from_top,
    tab_to,
)
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    OrganizationFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def schedule_url(table):
    return reverse("convening_create", kwargs={"table": table.slug})


def attendance_url(convening):
    return reverse(
        "convening_attendance",
        kwargs={"table": convening.round_table.slug, "convening": convening.slug},
    )


def convening_data(**changes):
    data = {
        "title": "Autumn convening",
        "starts_at": "2031-10-02T18:00",
        "ends_at": "2031-10-02T20:30",
        "time_zone": "America/Vancouver",
        "format": "hybrid",
        "area": "Downtown Prince George",
        "address": "1 Friendship Centre Way",
        "online_link": "https://meet.example.org/autumn",
        "capacity": "30",
        "interpretation": "ASL",
        "honoraria": "on",
        "childcare": "on",
        "accessibility_notes": "Step-free entrance; quiet room.",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def facilitator_of(table):
    user = UserFactory(with_totp=True)
    RoundTableRoleFactory(round_table=table, user=user, role=RoundTableRole.Role.FACILITATOR)
    return user


@pytest.fixture
def other_facilitator(db):
    """A facilitator of a different round table."""
    return facilitator_of(RoundTablePageFactory(title="Victoria Table", slug="victoria-table"))


@pytest.fixture
def held(public_table):
    """A convening of the public table that took place yesterday."""
    starts = timezone.now() - timedelta(days=1)
    return ConveningPageFactory(
        parent=public_table,
        title="Winter convening",
        slug="winter-convening",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        interpretation="Dakelh",
    )


def attendance_data(form_page, **changes):
    """What the attendance form would send back unchanged, with ``changes`` applied."""
    form = form_page.context["form"]
    data = {
        name: "" if value is None else value
        for name, value in ((field.html_name, field.value()) for field in form)
    }
    data.update(changes)
    return data


# Scheduling: success --------------------------------------------------------


def test_facilitator_schedules_a_convening_and_it_is_live_under_the_table(
    client, facilitator, public_table
):
    client.force_login(facilitator)
    response = client.post(schedule_url(public_table), convening_data())
    convening = ConveningPage.objects.get(title="Autumn convening")
    assert response.status_code == 302
    assert response.url == convening.url == "/round-tables/pg-table/autumn-convening/"
    assert convening.live
    assert convening.get_parent().pk == public_table.pk
    assert convening.round_table_id == public_table.pk
    assert convening.owner == facilitator
    assert convening.format == ConveningPage.Format.HYBRID
    assert convening.capacity == 30
    assert convening.honoraria and convening.childcare and not convening.transit_support


def test_scheduling_records_a_published_revision_by_the_facilitator(
    client, facilitator, public_table
):
    client.force_login(facilitator)
    client.post(schedule_url(public_table), convening_data())
    convening = ConveningPage.objects.get(title="Autumn convening")
    assert convening.revisions.count() == 1
    assert convening.live_revision.user == facilitator
    assert not convening.has_unpublished_changes
    actions = set(
        PageLogEntry.objects.filter(page=convening, user=facilitator).values_list(
            "action", flat=True
        )
    )
    assert {"wagtail.create", "wagtail.publish"} <= actions


def test_the_new_convening_page_says_so_and_shows_its_details(client, facilitator, public_table):
    client.force_login(facilitator)
    response = client.post(schedule_url(public_table), convening_data(), follow=True)
    body = response.content.decode()
    assert "“Autumn convening” is scheduled and published." in body
    assert "Interpretation: ASL" in body
    assert "Step-free entrance; quiet room." in body


def test_times_are_read_in_the_convenings_own_time_zone(client, facilitator, public_table):
    client.force_login(facilitator)
    client.post(schedule_url(public_table), convening_data(time_zone="America/Dawson_Creek"))
    convening = ConveningPage.objects.get(title="Autumn convening")
    zone = ZoneInfo("America/Dawson_Creek")
    assert convening.starts_at == datetime(2031, 10, 2, 18, 0, tzinfo=zone)
    assert convening.ends_at == datetime(2031, 10, 2, 20, 30, tzinfo=zone)


def test_the_form_offers_the_sites_time_zone_and_datetime_inputs(client, facilitator, public_table):
    client.force_login(facilitator)
    body = client.get(schedule_url(public_table)).content.decode()
    assert 'type="datetime-local"' in body
    assert '<option value="America/Vancouver" selected>' in body


def test_the_same_title_twice_gets_a_second_address(client, facilitator, public_table):
    client.force_login(facilitator)
    client.post(schedule_url(public_table), convening_data())
    client.post(
        schedule_url(public_table),
        convening_data(starts_at="2031-11-02T18:00", ends_at="2031-11-02T20:00"),
    )
    slugs = set(ConveningPage.objects.values_list("slug", flat=True))
    assert slugs == {"autumn-convening", "autumn-convening-2"}


def test_a_title_without_letters_still_gets_an_address(facilitator, public_table):
    start = timezone.now() + timedelta(days=3)
    convening = public_table.schedule_convening(
        by=facilitator, title="¡¿…?!", starts_at=start, ends_at=start + timedelta(hours=1)
    )
    assert convening.slug == "convening"


def test_an_address_the_site_uses_itself_is_not_taken(facilitator, public_table):
    start = timezone.now() + timedelta(days=3)
    convening = public_table.schedule_convening(
        by=facilitator, title="Feed", starts_at=start, ends_at=start + timedelta(hours=1)
    )
    assert convening.slug == "feed-2"


def test_followers_of_the_table_hear_about_the_new_convening(client, facilitator, public_table):
    follower = UserFactory()
    Follow.objects.create(user=follower, kind=Follow.Kind.ROUND_TABLE, round_table=public_table)
    client.force_login(facilitator)
    client.post(schedule_url(public_table), convening_data())
    assert Notification.objects.filter(
        user=follower, subject="New convening: Autumn convening"
    ).exists()


def test_facilitator_of_a_members_only_table_schedules_one_there(client, private_table):
    facilitator = facilitator_of(private_table)
    client.force_login(facilitator)
    response = client.post(schedule_url(private_table), convening_data())
    convening = ConveningPage.objects.get(title="Autumn convening")
    assert response.status_code == 302
    assert convening.get_view_restrictions().exists()


def test_a_site_administrator_may_schedule(client, public_table):
    admin = UserFactory(administrator=True)
    client.force_login(admin)
    assert client.post(schedule_url(public_table), convening_data()).status_code == 302
    assert ConveningPage.objects.filter(title="Autumn convening").exists()


def test_someone_with_wagtail_publish_rights_on_the_table_may_schedule(client, public_table):
    editors = Group.objects.create(name="Editors of the Prince George table")
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=editors,
            page=public_table,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    editor = UserFactory(with_totp=True)
    editor.groups.add(editors)
    client.force_login(editor)
    assert client.get(schedule_url(public_table)).status_code == 200
    assert client.post(schedule_url(public_table), convening_data()).status_code == 302


# Scheduling: refusals -------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_visitor_is_sent_to_sign_in(client, public_table, method):
    response = getattr(client, method)(schedule_url(public_table), convening_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not ConveningPage.objects.exists()


@pytest.mark.parametrize("person", ["member", "other_facilitator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_people_who_do_not_facilitate_the_table_get_403(
    client, request, public_table, person, method
):
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(schedule_url(public_table), convening_data())
    assert response.status_code == 403
    assert "Only the facilitators of Prince George Table" in response.content.decode()
    assert not ConveningPage.objects.exists()


@pytest.mark.parametrize("person", ["outsider", "other_facilitator", "facilitator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_members_only_table_is_not_found_for_people_who_cannot_see_it(
    client, request, private_table, person, method
):
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(schedule_url(private_table), convening_data())
    assert response.status_code == 404
    assert not ConveningPage.objects.exists()


def test_a_member_of_a_members_only_table_gets_403(client, private_table, private_member):
    client.force_login(private_member)
    assert client.get(schedule_url(private_table)).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2031-10-02T17:00"}, "ends_at", "The convening must end after it starts."),
        ({"ends_at": "2031-10-02T18:00"}, "ends_at", "The convening must end after it starts."),
        ({"title": ""}, "title", "This field is required."),
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x" * 256}, "title", "at most 255 characters"),
        ({"starts_at": "next Tuesday"}, "starts_at", "Enter a valid date/time."),
        ({"starts_at": "2031-03-09T02:30"}, "starts_at", "That time does not exist"),
        ({"time_zone": "Europe/Paris"}, "time_zone", "Select a valid choice."),
        ({"format": "carrier-pigeon"}, "format", "Select a valid choice."),
        ({"capacity": "-3"}, "capacity", "greater than or equal to 0"),
        ({"online_link": "javascript:alert(1)"}, "online_link", "Enter a valid URL."),
    ],
)
def test_bad_input_gets_a_form_error_and_changes_nothing(
    client, facilitator, public_table, changes, field, message
):
    client.force_login(facilitator)
    response = client.post(schedule_url(public_table), convening_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in body or (
        f'aria-describedby="id_{field}_error"' in body
    )
    assert not ConveningPage.objects.exists()


def test_the_model_refuses_people_who_do_not_facilitate(member, public_table):
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ActionRefused, match="Only this round table's facilitators"):
        public_table.schedule_convening(
            by=member, title="Sneaky", starts_at=start, ends_at=start + timedelta(hours=1)
        )
    assert not ConveningPage.objects.exists()


def test_the_model_refuses_an_end_before_the_start_and_saves_nothing(facilitator, public_table):
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ActionRefused, match=r"Ends at: The convening must end after it starts\."):
        public_table.schedule_convening(
            by=facilitator, title="Backwards", starts_at=start, ends_at=start - timedelta(hours=1)
        )
    assert not ConveningPage.objects.exists()
    public_table.refresh_from_db()
    assert public_table.numchild == 0


def test_the_model_refuses_a_blank_title(facilitator, public_table):
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ActionRefused, match="Title:"):
        public_table.schedule_convening(
            by=facilitator, title="  ", starts_at=start, ends_at=start + timedelta(hours=1)
        )
    assert not ConveningPage.objects.exists()


# Attendance and minutes: success --------------------------------------------


def test_facilitator_records_attendance_and_minutes(client, facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    response = client.post(
        attendance_url(held),
        attendance_data(
            form_page,
            **{
                f"organization_{organization.pk}": "4",
                "unaffiliated": "2",
                "minutes": "We agreed on a drop-in.\n\nNext: costs.",
            },
        ),
    )
    assert response.status_code == 302
    assert response.url == held.url
    rows = {row.organization_id: row.people for row in held.attendance.all()}
    assert rows == {organization.pk: 4, None: 2}
    held.refresh_from_db()
    assert held.minutes == "<p>We agreed on a drop-in.</p>\n\n<p>Next: costs.</p>"


def test_recording_saves_and_publishes_a_revision_keeping_the_rest(
    client, facilitator, public_table, held
):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    client.post(
        attendance_url(held),
        attendance_data(form_page, **{f"organization_{organization.pk}": "3"}),
    )
    held.refresh_from_db()
    assert held.revisions.count() == 2
    assert held.live_revision == held.latest_revision
    assert held.live_revision.user == facilitator
    assert not held.has_unpublished_changes
    assert (held.title, held.area, held.interpretation) == (
        "Winter convening",
        "Downtown",
        "Dakelh",
    )
    assert held.address == "123 Secret Street"
    assert PageLogEntry.objects.filter(
        page=held, user=facilitator, action="wagtail.publish"
    ).exists()


def test_attendance_and_minutes_show_on_the_public_convening_page(
    client, facilitator, public_table, held
):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    client.post(
        attendance_url(held),
        attendance_data(
            form_page,
            **{f"organization_{organization.pk}": "5", "minutes": "The table met & agreed."},
        ),
    )
    client.logout()
    body = client.get(held.url).content.decode()
    assert "Who came" in body
    assert f'<td>{organization.name}</td><td class="num">5</td>' in body
    assert "The table met &amp; agreed." in body


def test_html_typed_into_the_minutes_is_escaped(client, facilitator, held):
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    client.post(
        attendance_url(held),
        attendance_data(form_page, minutes='<script>alert("x")</script>\n<b>bold</b>'),
    )
    held.refresh_from_db()
    assert "<script>" not in held.minutes and "<b>" not in held.minutes
    assert "&lt;script&gt;" in held.minutes
    body = client.get(held.url).content.decode()
    assert "<script>alert" not in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body


def test_untouched_minutes_keep_their_formatting_from_the_admin(
    client, facilitator, public_table, held
):
    held.minutes = '<h2>Decisions</h2><p>See <a href="https://example.org">the letter</a>.</p>'
    held.save_revision().publish()
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    assert form_page.context["form"]["minutes"].value() == "Decisions\n\nSee the letter."
    client.post(
        attendance_url(held),
        attendance_data(form_page, **{f"organization_{organization.pk}": "2"}),
    )
    held.refresh_from_db()
    assert '<a href="https://example.org">the letter</a>' in held.minutes
    assert held.attendance.get().people == 2


def test_another_organization_is_added_and_then_listed(client, facilitator, held):
    visitor_organization = OrganizationFactory(name="Okanagan Peers")
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    client.post(
        attendance_url(held),
        attendance_data(
            form_page, another_organization=visitor_organization.pk, another_people="3"
        ),
    )
    assert held.attendance.get(organization=visitor_organization).people == 3
    form = client.get(attendance_url(held)).context["form"]
    assert form[f"organization_{visitor_organization.pk}"].value() == 3
    assert visitor_organization not in form.fields["another_organization"].queryset


def test_registered_organizations_are_listed_too(client, facilitator, held):
    guest = MembershipFactory()
    ConveningPage.objects.filter(pk=held.pk).update(ends_at=timezone.now() + timedelta(hours=1))
    held.registrations.create(user=guest.user, organization=guest.organization)
    client.force_login(facilitator)
    form = client.get(attendance_url(held)).context["form"]
    assert f"organization_{guest.organization.pk}" in form.fields


def test_zero_people_removes_an_organizations_row(client, facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    held.record_attendance(by=facilitator, rows=[(organization, 6)])
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    client.post(
        attendance_url(held),
        attendance_data(form_page, **{f"organization_{organization.pk}": "0"}),
    )
    assert not held.attendance.exists()


def test_a_row_keeps_its_id_when_its_number_changes(facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    held.record_attendance(by=facilitator, rows=[(organization, 6)])
    first = held.attendance.get()
    held.record_attendance(by=facilitator, rows=[(organization, 7)])
    assert held.attendance.get().pk == first.pk
    assert ConveningAttendance.objects.get(pk=first.pk).people == 7


# Attendance and minutes: refusals -------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_visitor_is_sent_to_sign_in_from_attendance(client, held, method):
    response = getattr(client, method)(attendance_url(held), {"unaffiliated": "9"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not held.attendance.exists()


@pytest.mark.parametrize("person", ["member", "outsider", "other_facilitator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_people_who_do_not_facilitate_cannot_record_attendance(
    client, request, held, person, method
):
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(
        attendance_url(held), {"unaffiliated": "9", "minutes": "Fake minutes"}
    )
    assert response.status_code == 403
    held.refresh_from_db()
    assert not held.attendance.exists()
    assert held.minutes == ""
    assert held.revisions.count() == 1


@pytest.mark.parametrize("person", ["outsider", "other_facilitator", "facilitator"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_members_only_convening_is_not_found_for_people_who_cannot_see_it(
    client, request, private_convening, person, method
):
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(attendance_url(private_convening), {"unaffiliated": "9"})
    assert response.status_code == 404
    assert not private_convening.attendance.exists()


def test_the_model_refuses_people_who_do_not_facilitate_attendance(member, held):
    with pytest.raises(ActionRefused, match="Only this round table's facilitators"):
        held.record_attendance(by=member, rows=[(None, 3)])
    assert not held.attendance.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unaffiliated": "-1"}, "unaffiliated", "Enter 0 or more."),
        ({"unaffiliated": "many"}, "unaffiliated", "Enter a whole number."),
        (
            {"another_organization": "999999", "another_people": "2"},
            "another_organization",
            "Select a valid choice.",
        ),
        ({"another_people": "2"}, "another_organization", "Choose the organization"),
        ({"another_people": "0"}, "another_people", "Enter 1 or more."),
    ],
)
def test_bad_attendance_gets_a_form_error_and_changes_nothing(
    client, facilitator, public_table, held, changes, field, message
):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    response = client.post(
        attendance_url(held),
        attendance_data(
            form_page, **{f"organization_{organization.pk}": "4", "minutes": "Changed"}, **changes
        ),
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert f"id_{field}_error" in body
    held.refresh_from_db()
    assert not held.attendance.exists()
    assert held.minutes == ""
    assert held.revisions.count() == 1


def test_negative_people_for_a_listed_organization_are_refused(
    client, facilitator, public_table, held
):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    response = client.post(
        attendance_url(held),
        attendance_data(form_page, **{f"organization_{organization.pk}": "-4"}),
    )
    assert "Enter 0 or more." in response.content.decode()
    assert not held.attendance.exists()


def test_another_organization_without_a_number_is_refused(client, facilitator, held):
    visitor_organization = OrganizationFactory()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    response = client.post(
        attendance_url(held),
        attendance_data(form_page, another_organization=visitor_organization.pk),
    )
    assert f"Say how many people came from {visitor_organization}." in response.content.decode()
    assert not held.attendance.exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(None, -2)], "must be 0 or more"),
        ([(None, "3")], "must be 0 or more"),
        ([(None, 1), (None, 2)], "counted twice"),
    ],
)
def test_the_model_refuses_bad_rows(facilitator, held, rows, message):
    with pytest.raises(ActionRefused, match=message):
        held.record_attendance(by=facilitator, rows=rows, minutes="Never saved")
    held.refresh_from_db()
    assert not held.attendance.exists() and held.minutes == ""


def test_the_model_refuses_an_organization_counted_twice(facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    with pytest.raises(ActionRefused, match="counted twice"):
        held.record_attendance(by=facilitator, rows=[(organization, 1), (organization, 2)])


def test_the_model_refuses_an_organization_that_is_not_on_the_site(facilitator, held):
    gone = OrganizationFactory()
    gone_pk = gone.pk
    gone.delete()
    gone.pk = gone_pk
    with pytest.raises(ActionRefused, match="not on this site"):
        held.record_attendance(by=facilitator, rows=[(gone, 2)])
    assert not held.attendance.exists()


def test_attendance_waits_until_the_convening_starts(client, facilitator, upcoming):
    with pytest.raises(ActionRefused, match="once the convening has started"):
        upcoming.record_attendance(by=facilitator, rows=[(None, 3)])
    client.force_login(facilitator)
    body = client.get(attendance_url(upcoming)).content.decode()
    assert "Attendance and minutes are recorded once the convening has started." in body
    assert "Save attendance and minutes" not in body
    assert not upcoming.attendance.exists()


def test_a_change_made_meanwhile_is_not_overwritten(client, facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    form_page = client.get(attendance_url(held))
    ConveningPage.objects.get(pk=held.pk).record_attendance(
        by=facilitator, rows=[(organization, 8)]
    )
    response = client.post(
        attendance_url(held),
        attendance_data(form_page, **{f"organization_{organization.pk}": "2"}),
    )
    assert "Someone else has just updated this convening" in response.content.decode()
    assert held.attendance.get().people == 8


def test_the_revision_the_person_saw_is_an_argument_of_the_model(facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    seen = held.live_revision_id
    ConveningPage.objects.get(pk=held.pk).record_attendance(
        by=facilitator, rows=[(organization, 8)]
    )
    current = ConveningPage.objects.get(pk=held.pk)  # loaded after the change, as a view does
    with pytest.raises(ActionRefused, match="Someone else has just updated this convening"):
        current.record_attendance(by=facilitator, rows=[(organization, 2)], seen_revision=seen)
    assert held.attendance.get().people == 8
    current.record_attendance(
        by=facilitator, rows=[(organization, 2)], seen_revision=current.live_revision_id
    )
    assert held.attendance.get().people == 2


def test_the_attendance_form_has_no_label_for_the_hidden_seen_revision(client, facilitator, held):
    client.force_login(facilitator)
    body = client.get(attendance_url(held)).content.decode()
    assert f'name="seen_revision" value="{held.live_revision_id}"' in body
    assert "Seen revision" not in body


def test_an_unpublished_draft_in_the_admin_is_not_thrown_away(facilitator, held):
    draft = ConveningPage.objects.get(pk=held.pk)
    draft.title = "Winter convening (draft rename)"
    draft.save_revision(user=facilitator)
    held.refresh_from_db()
    with pytest.raises(ActionRefused, match="draft changes in the admin"):
        held.record_attendance(by=facilitator, rows=[(None, 3)])
    held.refresh_from_db()
    assert held.latest_revision.as_object().title == "Winter convening (draft rename)"
    assert not held.attendance.exists()


def test_a_page_locked_by_someone_else_is_refused(facilitator, held):
    ConveningPage.objects.filter(pk=held.pk).update(
        locked=True, locked_by=UserFactory(), locked_at=timezone.now()
    )
    held.refresh_from_db()
    with pytest.raises(ActionRefused, match="locked in the admin"):
        held.record_attendance(by=facilitator, rows=[(None, 3)])


# Who sees the actions ---------------------------------------------------------


@pytest.mark.parametrize("person", [None, "member", "outsider", "other_facilitator"])
def test_only_facilitators_see_the_facilitator_actions(client, request, public_table, held, person):
    if person:
        client.force_login(request.getfixturevalue(person))
    table_body = client.get(public_table.url).content.decode()
    convening_body = client.get(held.url).content.decode()
    assert "Schedule a convening" not in table_body
    assert schedule_url(public_table) not in table_body
    assert "Record attendance and minutes" not in convening_body
    assert attendance_url(held) not in convening_body


@pytest.mark.parametrize("admin", [False, True])
def test_facilitators_and_administrators_see_the_actions(
    client, facilitator, public_table, held, admin
):
    person = UserFactory(administrator=True) if admin else facilitator
    client.force_login(person)
    table_body = client.get(public_table.url).content.decode()
    convening_body = client.get(held.url).content.decode()
    assert f'href="{schedule_url(public_table)}">Schedule a convening</a>' in table_body
    assert f'href="{attendance_url(held)}">Record attendance and minutes</a>' in convening_body


def test_before_it_starts_the_convening_page_says_when_attendance_opens(
    client, facilitator, upcoming
):
    client.force_login(facilitator)
    body = client.get(upcoming.url).content.decode()
    assert "You can record attendance and minutes here once it starts." in body
    assert attendance_url(upcoming) not in body


def test_every_attendance_field_is_labelled(client, facilitator, public_table, held):
    organization = public_table.member_organizations.get()
    client.force_login(facilitator)
    body = client.get(attendance_url(held)).content.decode()
    for field_id, label in [
        (f"id_organization_{organization.pk}", organization.name),
        ("id_unaffiliated", "People without an organization"),
        ("id_another_organization", "Another organization"),
        ("id_another_people", "People from another organization"),
        ("id_minutes", "Minutes"),
    ]:
        assert f'<label for="{field_id}">{label}' in body


# In the browser: by keyboard, axe (WCAG 2.2 AA) and reflow at 320 px --------
#
# One test, so that it is the only one here that needs committed data (its
# live server runs in another thread).


def browser_session(base_url: str, user) -> dict:
    """A Playwright storage state signed in as ``user`` (a session of its own)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {
        "cookies": [{"name": cookie.key, "value": cookie.value, "url": base_url}],
        "origins": [],
    }


def schedule_and_record_by_keyboard(page, base_url: str, table, convening) -> None:
    """From the table's page, schedule a convening; then record a past one's attendance."""
    page.goto(base_url + table.url)
    start_from_top(page)
    activate(page, page.get_by_role("link", name="Schedule a convening"))
    expect(page.get_by_role("heading", name="Schedule a convening", level=1)).to_be_visible()
    fill_by_keyboard(page, re.compile(r"^Title"), "Keyboard convening")
    for label, time in (("Starts", "0600P"), ("Ends", "0800P")):
        field = page.get_by_label(re.compile(f"^{label}"))
        tab_to(page, field)
        page.keyboard.type("10022031")  # month, day, year (Chromium, en-US)
        page.keyboard.press("Tab")  # the year takes up to six digits: move on to the hour
        page.keyboard.type(time)
    expect(page.get_by_label(re.compile(r"^Starts"))).to_have_value("2031-10-02T18:00")
    expect(page.get_by_label(re.compile(r"^Ends"))).to_have_value("2031-10-02T20:00")
    choose_by_keyboard(page, re.compile(r"^Format"), "Online")
    check_by_keyboard(page, "Childcare")
    activate(page, page.get_by_role("button", name="Schedule the convening"))
    expect(page.get_by_role("heading", name="Keyboard convening", level=1)).to_be_visible()
    expect(page.get_by_text("“Keyboard convening” is scheduled and published.")).to_be_visible()

    page.goto(base_url + convening.url)
    start_from_top(page)
    activate(page, page.get_by_role("link", name="Record attendance and minutes"))
    organization = table.member_organizations.get()
    fill_by_keyboard(page, organization.name, "4", exact=True)
    fill_by_keyboard(page, "People without an organization", "1")
    fill_by_keyboard(page, "Minutes", "We met and agreed.")
    activate(page, page.get_by_role("button", name="Save attendance and minutes"))
    expect(page.get_by_text("Attendance and minutes are saved and published.")).to_be_visible()
    expect(page.get_by_role("heading", name="Who came")).to_be_visible()
    expect(page.get_by_text("We met and agreed.")).to_be_visible()


def axe_and_reflow_failures(page, base_url: str, table, convening, width: int) -> list[str]:
    """Run axe on each facilitator page (and its forms with errors); check reflow at 320 px."""
    failures = []

    def check(name):
        screenshot(page, "facilitation-" + re.sub(r"\W+", "-", f"{name} {width}"))
        violations = axe_violations(page)
        if violations:
            failures.append(f"{name} at {width}px:\n{describe_violations(violations)}")
        if width == NARROWEST["width"] and horizontal_overflow(page) > 0:
            failures.append(f"{name} scrolls sideways at 320px")

    for name, url in [
        ("round table", table.url),
        ("convening", convening.url),
        ("schedule form", schedule_url(table)),
        ("attendance form", attendance_url(convening)),
    ]:
        assert page.goto(base_url + url).status == 200
        check(name)
    page.goto(base_url + schedule_url(table))
    page.get_by_label(re.compile(r"^Starts")).fill("2031-10-02T18:00")
    page.get_by_label(re.compile(r"^Ends")).fill("2031-10-02T17:00")
    page.get_by_role("button", name="Schedule the convening").click()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    check("schedule form with errors")
    page.goto(base_url + attendance_url(convening))
    page.get_by_label("People without an organization").fill("-1")
    page.get_by_role("button", name="Save attendance and minutes").click()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    check("attendance form with errors")
    return failures


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_browser_facilitators_act_by_keyboard_on_pages_that_pass_axe_and_reflow(
    browser, live_server, facilitator, member, public_table, held
):
    base_url = live_server.url
    facilitator_state = browser_session(base_url, facilitator)
    context = browser.new_context(viewport=DESKTOP, storage_state=facilitator_state)
    schedule_and_record_by_keyboard(context.new_page(), base_url, public_table, held)
    context.close()

    failures = []
    for viewport in (DESKTOP, NARROWEST):
        context = browser.new_context(
            bypass_csp=True, viewport=viewport, storage_state=facilitator_state
        )
        page = context.new_page()
        failures += axe_and_reflow_failures(page, base_url, public_table, held, viewport["width"])
        context.close()
        context = browser.new_context(
            bypass_csp=True,
            viewport=viewport,
            storage_state=browser_session(base_url, member),
        )
        page = context.new_page()
        assert page.goto(base_url + schedule_url(public_table)).status == 403
        failures += [
            f"facilitators-only page at {viewport['width']}px:\n{describe_violations(found)}"
            for found in [axe_violations(page)]
            if found
        ]
        context.close()
    assert not failures, "\n".join(failures)
