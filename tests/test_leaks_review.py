"""The admin's filters name no person whose only work is on pages hidden from the viewer.

Wagtail fills the explorer's "Owner" and "Edited by" filters, the site
history's "User" filter, the workflow report's "Requested by" and the locked
pages report's "Locked by" with everyone who ever owned, edited, requested
moderation of or locked any page. A members-only table's facilitator would be
named to every other table's facilitator, though none of their pages is.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page, Workflow
from wagtail.test.utils.form_data import rich_text

from convenings.models import ConveningPage, RoundTableRole
from tests.factories import ConveningPageFactory, RoundTableRoleFactory, UserFactory
from tests.test_admin_privacy import edit_data

HIDDEN_PERSON = "Quiet hidden editor"
SHOWN_PERSON = "Open public editor"


@pytest.fixture
def hidden_editor(private_table, private_convening):
    """Facilitates the members-only table only, and owns, edits, locks and submits its convening."""
    user = UserFactory(display_name=HIDDEN_PERSON, with_totp=True)
    RoundTableRoleFactory(
        round_table=private_table, user=user, role=RoundTableRole.Role.FACILITATOR
    )
    Page.objects.filter(pk=private_convening.pk).update(owner=user)
    private_convening.refresh_from_db()
    private_convening.save_revision(user=user, log_action=True).publish(user=user)
    Workflow.objects.get().start(private_convening, user)
    Page.objects.filter(pk=private_convening.pk).update(
        locked=True, locked_by=user, locked_at=timezone.now()
    )
    return user


@pytest.fixture
def shown_editor(public_table):
    """Edits, owns and locks a convening of the public table."""
    user = UserFactory(display_name=SHOWN_PERSON)
    convening = ConveningPageFactory(parent=public_table, title="Open planning")
    Page.objects.filter(pk=convening.pk).update(owner=user)
    convening.refresh_from_db()
    convening.save_revision(user=user, log_action=True)
    Page.objects.filter(pk=convening.pk).update(
        locked=True, locked_by=user, locked_at=timezone.now()
    )
    return user


@pytest.fixture
def as_facilitator(client, facilitator, public_table):
    # The locked pages report is for those who may unlock pages.
    group = public_table.specific.facilitator_group
    GroupPagePermission.objects.get_or_create(
        group=group,
        page=public_table,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="unlock_page"
        ),
    )
    client.force_login(facilitator)
    return client


def same_but_for_tokens(response) -> str:
    """A page without what changes from one request to the next or names the id asked for."""
    text = re.sub(r"requested_by=\d+", "", response.content.decode())
    return re.sub(r'"CSRF_TOKEN": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', "", text)


PEOPLE_FILTERS = [
    "/admin/pages/{table}/",
    "/admin/pages/{table}/results/",
    "/admin/reports/site-history/",
    "/admin/reports/site-history/results/",
    "/admin/reports/workflow/",
    "/admin/reports/workflow/results/",
    "/admin/reports/locked/",
    "/admin/reports/locked/results/",
]


@pytest.mark.parametrize("address", PEOPLE_FILTERS)
def test_filters_name_no_person_whose_only_pages_are_hidden(
    as_facilitator, public_table, hidden_editor, shown_editor, address
):
    response = as_facilitator.get(address.format(table=public_table.pk))
    assert response.status_code == 200
    assert HIDDEN_PERSON not in response.content.decode()


@pytest.mark.parametrize(
    "address",
    [
        "/admin/pages/{table}/",
        "/admin/reports/site-history/",
        "/admin/reports/locked/",
    ],
)
def test_filters_still_name_people_whose_pages_are_shown(
    as_facilitator, public_table, hidden_editor, shown_editor, address
):
    response = as_facilitator.get(address.format(table=public_table.pk))
    assert response.status_code == 200
    assert SHOWN_PERSON in response.content.decode()


def test_filtering_by_a_hidden_person_answers_as_for_one_that_does_not_exist(
    as_facilitator, public_table, hidden_editor
):
    hidden = as_facilitator.get("/admin/reports/workflow/", {"requested_by": hidden_editor.pk})
    unknown = as_facilitator.get("/admin/reports/workflow/", {"requested_by": 987654})
    assert hidden.status_code == unknown.status_code == 200
    assert HIDDEN_PERSON not in hidden.content.decode()
    assert same_but_for_tokens(hidden) == same_but_for_tokens(unknown)


def test_administrators_see_every_person_in_the_filters(client, hidden_editor):
    client.force_login(UserFactory(administrator=True))
    for address in ("/admin/reports/site-history/", "/admin/reports/workflow/"):
        assert HIDDEN_PERSON in client.get(address).content.decode()


# Copying a page names no parent page the person may not see ---------------------------------


def copy_to(client, page, parent_id):
    return client.post(
        f"/admin/pages/{page.pk}/copy/",
        {"new_title": "A copy", "new_slug": "not a slug!", "new_parent_page": parent_id},
    )


@pytest.fixture
def own_convening(public_table):
    return ConveningPageFactory(parent=public_table, title="Open planning")


def test_copying_to_a_hidden_parent_answers_as_to_one_that_does_not_exist(
    as_facilitator, own_convening, private_table
):
    hidden = copy_to(as_facilitator, own_convening, private_table.pk)
    unknown = copy_to(as_facilitator, own_convening, 987654)
    assert hidden.status_code == unknown.status_code == 404
    assert private_table.title not in hidden.content.decode()


def test_copying_to_a_shown_parent_still_names_it(as_facilitator, own_convening, public_table):
    response = copy_to(as_facilitator, own_convening, public_table.pk)
    assert response.status_code == 200
    assert public_table.title in response.content.decode()


# Rich text links to pages the editor may not see --------------------------------------------


def with_minutes(client, page, html) -> dict:
    data = edit_data(client, page, [])
    data["minutes"] = rich_text(html)
    return data


@pytest.mark.parametrize("target", ["hidden", "unknown"])
def test_a_rich_text_link_to_a_page_the_editor_may_not_see_is_refused(
    as_facilitator, upcoming, private_convening, target
):
    page_id = private_convening.pk if target == "hidden" else 987654
    html = f'<p>See <a linktype="page" id="{page_id}">the notes</a>.</p>'
    data = with_minutes(as_facilitator, upcoming, html)
    response = as_facilitator.post(f"/admin/pages/{upcoming.pk}/edit/", data)
    assert response.status_code == 200
    assert "This links to something you cannot see" in response.content.decode()
    assert private_convening.slug not in response.content.decode()
    assert upcoming.get_latest_revision().pk == upcoming.latest_revision_id


def test_a_rich_text_link_to_a_shown_page_is_saved(as_facilitator, upcoming, public_table):
    html = f'<p>See <a linktype="page" id="{public_table.pk}">the table</a>.</p>'
    data = with_minutes(as_facilitator, upcoming, html)
    response = as_facilitator.post(f"/admin/pages/{upcoming.pk}/edit/", data)
    assert response.status_code == 302
    saved = ConveningPage.objects.get(pk=upcoming.pk).get_latest_revision_as_object()
    assert f'id="{public_table.pk}"' in saved.minutes


def test_a_hidden_page_link_someone_else_made_shows_no_address_and_is_kept(
    as_facilitator, upcoming, private_convening
):
    upcoming.minutes = f'<p>See <a linktype="page" id="{private_convening.pk}">the notes</a>.</p>'
    upcoming.save_revision().publish()
    editor = as_facilitator.get(f"/admin/pages/{upcoming.pk}/edit/")
    assert private_convening.slug not in editor.content.decode()
    data = edit_data(as_facilitator, upcoming, [])
    data["title"] = "Spring convening, renamed"
    response = as_facilitator.post(f"/admin/pages/{upcoming.pk}/edit/", data)
    assert response.status_code == 302
    saved = ConveningPage.objects.get(pk=upcoming.pk).get_latest_revision_as_object()
    assert saved.title == "Spring convening, renamed"
    assert f'id="{private_convening.pk}"' in saved.minutes
