"""The Wagtail admin shows a person only what the site's visibility rule lets them see.

Another table's facilitator has admin access and page permissions on their
own table; nothing of a members-only table they do not sit at may reach them
through the admin: not a title, a count, a person or an organization, whether
the id comes from the address, the query string or a form. And a GET of the
admin's sign-out changes nothing.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from wagtail.models import Page, PageLogEntry, Workflow
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
)

from convenings.models import ConveningPage, Need, RoundTableRole
from recommendations.models import Endorsement, FundingCommitment
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

HIDDEN_TABLE = "Hidden Peer Table"
HIDDEN_CONVENING = "Secret safety planning"
HIDDEN_RECOMMENDATION = "Quiet housing plan"
HIDDEN_NEED = "Safe rooms for the peer table"
NOT_AVAILABLE = "Not available to you"


@pytest.fixture
def hidden_recommendation(private_table):
    return RecommendationPageFactory(parent=private_table, title=HIDDEN_RECOMMENDATION)


@pytest.fixture
def hidden_need(private_table):
    return NeedFactory(
        title=HIDDEN_NEED, round_table=private_table, visibility=Need.Visibility.MEMBERS
    )


@pytest.fixture
def two_table_facilitator(public_table):
    """Facilitates two public tables: the admin's explorer opens at the tables' common parent."""
    user = UserFactory(with_totp=True)
    second = RoundTablePageFactory(title="Second public table", slug="second-table")
    for table in (public_table, second):
        RoundTableRoleFactory(round_table=table, user=user, role=RoundTableRole.Role.FACILITATOR)
    return user


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


def agenda_item(needs=(), recommendations=()):
    return (
        "item",
        {
            "title": "Shelter and warming",
            "minutes": 30,
            "lead": "The facilitators",
            "description": RichText("<p>Discussion.</p>"),
            "needs": list(needs),
            "recommendations": list(recommendations),
        },
    )


def body(response) -> str:
    return response.content.decode()


# 1. Bulk actions and the move confirmation ---------------------------------------------------


@pytest.mark.parametrize("action", ["delete", "publish", "unpublish", "move"])
def test_bulk_action_names_no_page_the_facilitator_may_not_see(
    as_facilitator, action, upcoming, private_table, private_convening
):
    ids = [upcoming.pk, private_table.pk, private_convening.pk]
    response = as_facilitator.get(f"/admin/bulk/wagtailcore/page/{action}/", {"id": ids})
    assert response.status_code == 200
    assert upcoming.title in body(response)
    assert HIDDEN_TABLE not in body(response) and HIDDEN_CONVENING not in body(response)


def test_bulk_action_on_hidden_pages_only_answers_as_for_pages_that_do_not_exist(
    as_facilitator, private_table, private_convening
):
    hidden = as_facilitator.get(
        "/admin/bulk/wagtailcore/page/delete/", {"id": [private_table.pk, private_convening.pk]}
    )
    missing = as_facilitator.get("/admin/bulk/wagtailcore/page/delete/", {"id": [999998, 999999]})
    assert hidden.status_code == missing.status_code == 404


def test_bulk_action_on_all_children_of_a_hidden_table_answers_404(
    as_facilitator, private_table, private_convening
):
    response = as_facilitator.get(
        "/admin/bulk/wagtailcore/page/delete/", {"id": "all", "childOf": private_table.pk}
    )
    assert response.status_code == 404
    assert HIDDEN_CONVENING not in body(response)


def test_bulk_move_refuses_a_hidden_destination_as_an_unknown_one(
    as_facilitator, upcoming, private_table
):
    url = f"/admin/bulk/wagtailcore/page/move/?id={upcoming.pk}"
    hidden = as_facilitator.post(url, {"chooser": private_table.pk})
    missing = as_facilitator.post(url, {"chooser": 999999})
    assert hidden.status_code == missing.status_code == 200
    assert "Select a valid choice" in body(hidden)
    assert HIDDEN_TABLE not in body(hidden)
    assert ConveningPage.objects.get(pk=upcoming.pk).get_parent().pk != private_table.pk


def test_move_confirmation_into_a_members_only_table_answers_404(
    as_facilitator, upcoming, private_table
):
    response = as_facilitator.get(f"/admin/pages/{upcoming.pk}/move/{private_table.pk}/confirm/")
    assert response.status_code == 404
    assert HIDDEN_TABLE not in body(response)


# 2. Page ids in the address --------------------------------------------------------------------


def test_explorer_answers_404_for_a_members_only_page_to_a_two_table_facilitator(
    client, two_table_facilitator, private_table, private_convening
):
    client.force_login(two_table_facilitator)
    for page in (private_table, private_convening):
        response = client.get(f"/admin/pages/{page.pk}/")
        assert response.status_code == 404
        assert HIDDEN_TABLE not in body(response)
    assert client.get(f"/admin/pages/{private_table.get_parent().pk}/").status_code == 200


@pytest.mark.parametrize(
    "address",
    [
        "/admin/pages/{page}/history/",
        "/admin/pages/{page}/workflow_history/",
        "/admin/pages/{page}/revisions/compare/earliest...latest/",
        "/admin/pages/{page}/view_draft/",
        "/admin/pages/{page}/usage/",
        "/admin/pages/{page}/copy/",
        "/admin/pages/{page}/privacy/",
    ],
)
def test_page_views_answer_404_for_a_page_the_facilitator_may_not_see(
    client, two_table_facilitator, private_convening, address
):
    client.force_login(two_table_facilitator)
    response = client.get(address.format(page=private_convening.pk))
    assert response.status_code == 404


# 3. Snippet choosers of people and what members-only tables hold --------------------------------


@pytest.fixture
def private_records(private_table, hidden_recommendation):
    """A role, a membership, an endorsement and a funding line of the members-only table."""
    member = MembershipFactory()
    RoundTableRoleFactory(round_table=private_table, user=member.user)
    Endorsement.objects.create(
        recommendation=hidden_recommendation,
        organization=member.organization,
        representative=member.user,
        statement="We back this.",
    )
    FundingCommitment.objects.create(
        recommendation=hidden_recommendation,
        funder="Quiet Foundation",
        amount=1000,
        committed_on="2030-01-01",
    )


CHOOSERS = [
    "convenings/roundtablerole",
    "convenings/membership",
    "recommendations/endorsement",
    "recommendations/fundingcommitment",
]


@pytest.mark.parametrize("chooser", CHOOSERS)
@pytest.mark.parametrize("view", ["", "results/?q=a", "chosen/1/", "chosen-multiple/?id=1"])
def test_people_and_ledger_choosers_are_refused_to_facilitators(
    as_facilitator, private_records, chooser, view
):
    response = as_facilitator.get(f"/admin/snippets/choose/{chooser}/{view}")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert HIDDEN_RECOMMENDATION not in body(response) and HIDDEN_TABLE not in body(response)


@pytest.mark.parametrize("chooser", CHOOSERS)
def test_administrators_still_choose_people_and_ledger_lines(client, private_records, chooser):
    client.force_login(UserFactory(administrator=True))
    assert client.get(f"/admin/snippets/choose/{chooser}/").status_code == 200


# 4. Tag autocomplete ----------------------------------------------------------------------------


def test_tag_autocomplete_offers_no_tag_used_only_on_hidden_items(
    as_facilitator, hidden_need, hidden_recommendation
):
    hidden_need.tags.add("zebra-hidden-need")
    hidden_recommendation.tags.add("zebra-hidden-recommendation")
    NeedFactory().tags.add("zebra-shown")
    response = as_facilitator.get("/admin/tag-autocomplete/", {"term": "zeb"})
    assert response.json() == ["zebra-shown"]


def test_tag_autocomplete_by_model_applies_the_same_rule(as_facilitator, hidden_need):
    hidden_need.tags.add("zebra-hidden-need")
    response = as_facilitator.get("/admin/tag-autocomplete/taggit/tag/", {"term": "zeb"})
    assert response.json() == []


# 5. Agenda items linking hidden needs and recommendations -----------------------------------------


@pytest.fixture
def linked_agenda(upcoming, hidden_need, hidden_recommendation):
    """The facilitator's own convening, whose agenda someone else linked to hidden items."""
    upcoming.agenda = [agenda_item([hidden_need], [hidden_recommendation])]
    upcoming.save_revision().publish()
    return upcoming


def test_reopened_editor_shows_a_hidden_agenda_link_as_not_available(as_facilitator, linked_agenda):
    response = as_facilitator.get(f"/admin/pages/{linked_agenda.pk}/edit/")
    assert response.status_code == 200
    assert HIDDEN_NEED not in body(response)
    assert HIDDEN_RECOMMENDATION not in body(response)
    assert NOT_AVAILABLE in body(response)


def test_revision_comparison_names_no_hidden_agenda_link(as_facilitator, linked_agenda):
    linked_agenda.title = "Spring convening, moved"
    linked_agenda.save_revision()
    response = as_facilitator.get(
        f"/admin/pages/{linked_agenda.pk}/revisions/compare/earliest...latest/"
    )
    assert response.status_code == 200
    assert HIDDEN_NEED not in body(response) and HIDDEN_RECOMMENDATION not in body(response)


def test_reverting_to_a_revision_names_no_hidden_agenda_link(as_facilitator, linked_agenda):
    revision = linked_agenda.latest_revision
    response = as_facilitator.get(
        f"/admin/pages/{linked_agenda.pk}/revisions/{revision.pk}/revert/"
    )
    assert response.status_code == 200
    assert HIDDEN_NEED not in body(response) and HIDDEN_RECOMMENDATION not in body(response)


def edit_data(client, page, agenda) -> dict:
    """The page editor's form as the browser would send it, with this agenda."""
    html = body(client.get(f"/admin/pages/{page.pk}/edit/"))
    data = querydict_from_html(html, form_id="page-edit-form").dict()
    data = {key: value for key, value in data.items() if not key.startswith("agenda-")}
    items = {}
    for index, (needs, recommendations) in enumerate(agenda):
        items[index] = {
            "type": "item",
            "value": {
                "title": "Shelter and warming",
                "minutes": "30",
                "lead": "",
                "description": rich_text("<p>Discussion.</p>"),
                "needs": list_block([need.pk for need in needs]),
                "recommendations": list_block([page.pk for page in recommendations]),
            },
            "deleted": "",
            "order": str(index),
        }
    items["count"] = str(len(agenda))
    data.update(nested_form_data({"agenda": items, "attendance": inline_formset([])}))
    return data


def list_block(values) -> dict:
    items = {
        str(index): {"value": value, "deleted": "", "order": str(index)}
        for index, value in enumerate(values)
    }
    items["count"] = str(len(values))
    return items


def test_agenda_link_to_a_need_the_editor_may_not_see_is_refused(
    as_facilitator, upcoming, hidden_need
):
    data = edit_data(as_facilitator, upcoming, [([hidden_need], [])])
    response = as_facilitator.post(f"/admin/pages/{upcoming.pk}/edit/", data)
    assert response.status_code == 200
    assert "This links to something you cannot see" in body(response)
    assert HIDDEN_NEED not in body(response)
    assert not any(
        block.value["needs"] for block in ConveningPage.objects.get(pk=upcoming.pk).agenda
    )


def test_agenda_link_to_a_recommendation_the_editor_may_not_see_is_refused(
    as_facilitator, upcoming, hidden_recommendation
):
    data = edit_data(as_facilitator, upcoming, [([], [hidden_recommendation])])
    response = as_facilitator.post(f"/admin/pages/{upcoming.pk}/edit/", data)
    assert "This links to something you cannot see" in body(response)
    assert HIDDEN_RECOMMENDATION not in body(response)
    assert upcoming.get_latest_revision().pk == upcoming.latest_revision_id


def test_agenda_keeps_a_hidden_link_someone_else_made_when_the_editor_saves(
    as_facilitator, linked_agenda, hidden_need, hidden_recommendation
):
    data = edit_data(as_facilitator, linked_agenda, [([hidden_need], [hidden_recommendation])])
    data["title"] = "Spring convening, renamed"
    response = as_facilitator.post(f"/admin/pages/{linked_agenda.pk}/edit/", data)
    assert response.status_code == 302
    saved = ConveningPage.objects.get(pk=linked_agenda.pk).get_latest_revision_as_object()
    assert saved.title == "Spring convening, renamed"
    assert [need.pk for need in saved.agenda[0].value["needs"]] == [hidden_need.pk]


def test_agenda_link_to_a_shown_need_is_saved(as_facilitator, upcoming):
    shown = NeedFactory(title="Winter coats")
    data = edit_data(as_facilitator, upcoming, [([shown], [])])
    response = as_facilitator.post(f"/admin/pages/{upcoming.pk}/edit/", data)
    assert response.status_code == 302
    saved = ConveningPage.objects.get(pk=upcoming.pk).get_latest_revision_as_object()
    assert [need.pk for need in saved.agenda[0].value["needs"]] == [shown.pk]


def test_recommendation_editor_shows_a_linked_hidden_need_as_not_available(
    as_facilitator, public_table, hidden_need
):
    recommendation = RecommendationPageFactory(parent=public_table, needs=[hidden_need])
    response = as_facilitator.get(f"/admin/pages/{recommendation.pk}/edit/")
    assert response.status_code == 200
    assert HIDDEN_NEED not in body(response)
    assert NOT_AVAILABLE in body(response)


# 6. Counts, reports and usage --------------------------------------------------------------------


def test_page_types_report_names_and_counts_no_hidden_page(
    client, two_table_facilitator, hidden_recommendation
):
    client.force_login(two_table_facilitator)
    response = client.get("/admin/reports/page-types-usage/")
    assert response.status_code == 200
    assert HIDDEN_RECOMMENDATION not in body(response) and HIDDEN_TABLE not in body(response)
    recommendation_type = next(
        row for row in response.context["object_list"] if row.model == "recommendationpage"
    )
    assert recommendation_type.count == 0


def test_dashboard_counts_only_pages_the_facilitator_may_see(
    client, two_table_facilitator, private_convening, hidden_recommendation
):
    client.force_login(two_table_facilitator)
    response = client.get("/admin/")
    # The round tables' index and the two public tables; not the members-only table's three.
    assert re.search(r"\b3 Pages\b", body(response))


def test_dashboard_names_no_page_the_person_edited_before_losing_access(
    client, facilitator, private_convening
):
    private_convening.save_revision(user=facilitator, log_action=True)
    assert PageLogEntry.objects.filter(user=facilitator, page=private_convening).exists()
    client.force_login(facilitator)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert HIDDEN_CONVENING not in body(response)


def test_dashboard_names_no_hidden_page_in_moderation_or_locked(
    client, facilitator, private_convening
):
    Workflow.objects.get().start(private_convening, facilitator)
    Page.objects.filter(pk=private_convening.pk).update(locked=True, locked_by=facilitator)
    client.force_login(facilitator)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert HIDDEN_CONVENING not in body(response)


def test_usage_of_a_page_leaves_out_hidden_pages_that_link_to_it(
    as_facilitator, public_table, private_convening
):
    recommendation = RecommendationPageFactory(parent=public_table, title="Warming centre")
    private_convening.agenda = [agenda_item([], [recommendation])]
    private_convening.save_revision().publish()
    response = as_facilitator.get(f"/admin/pages/{recommendation.pk}/usage/")
    assert response.status_code == 200
    assert HIDDEN_CONVENING not in body(response)
    assert "Private convening" not in body(response)
    assert len(response.context["object_list"]) == 0


def test_privacy_form_offers_no_group_of_a_hidden_table(as_facilitator, upcoming, private_table):
    response = as_facilitator.get(f"/admin/pages/{upcoming.pk}/privacy/")
    assert response.status_code == 200
    assert HIDDEN_TABLE not in body(response)
    assert Group.objects.filter(name__contains=HIDDEN_TABLE).exists()


# 18. Signing out of the admin ---------------------------------------------------------------------


def test_get_of_the_admin_sign_out_changes_nothing(as_facilitator):
    response = as_facilitator.get("/admin/logout/")
    assert response.status_code == 405
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert as_facilitator.get("/admin/").status_code == 200


def test_post_to_the_admin_sign_out_signs_out(as_facilitator):
    response = as_facilitator.post("/admin/logout/")
    assert response.status_code == 302
    assert as_facilitator.get("/admin/").status_code == 302
