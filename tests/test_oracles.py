"""Hidden and nonexistent things get the same answer: nothing tells that a hidden one exists."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.models import PageViewRestriction

from convenings.models import Need
from tests.factories import NeedFactory, RecommendationPageFactory

pytestmark = pytest.mark.django_db

NOTHING_BY_THAT_NAME = "There is nothing by that name to follow."


@pytest.fixture
def restricted(private_table):
    """The members-only table's view restriction, and the table it guards."""
    return PageViewRestriction.objects.get(page=private_table), private_table


def test_the_shared_password_form_answers_nothing_for_a_real_restriction(client, restricted):
    restriction, table = restricted
    url = f"/_util/authenticate_with_password/{restriction.pk}/{table.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"password": "guess", "return_url": "/"}).status_code == 404


def test_the_shared_password_form_answers_alike_for_real_and_made_up_ids(client, restricted):
    restriction, table = restricted
    answers = []
    for url in (
        f"/_util/authenticate_with_password/{restriction.pk}/{table.pk}/",
        "/_util/authenticate_with_password/999999/999998/",
    ):
        response = client.get(url)
        # The not-found page may say which address was asked for; nothing else may differ.
        answers.append((response.status_code, response.content.replace(url.encode(), b"")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404


def test_the_document_password_form_answers_nothing(client, restricted):
    restriction, _ = restricted
    for restriction_id in (restriction.pk, 999999):
        url = f"/documents/authenticate_with_password/{restriction_id}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"password": "guess"}).status_code == 404


def follow(client, kind: str, target: str):
    response = client.post(
        reverse("follow"), {"kind": kind, "target": target, "frequency": "weekly", "next": "/"}
    )
    said = [str(message) for message in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)  # read: the next answer starts afresh
    return response, said


@pytest.fixture
def hidden_tag(private_table):
    """A tag used only on a members-only need."""
    need = NeedFactory(
        round_table=private_table,
        community=private_table.community,
        visibility=Need.Visibility.MEMBERS,
    )
    need.tags.add("zqx4tag")
    return need.tags.get()


def test_following_a_hidden_tag_answers_as_a_tag_that_does_not_exist(client, outsider, hidden_tag):
    client.force_login(outsider)
    hidden, hidden_messages = follow(client, "tag", hidden_tag.slug)
    missing, missing_messages = follow(client, "tag", "no-such-tag-at-all")
    assert hidden_messages == missing_messages == [NOTHING_BY_THAT_NAME]
    assert (hidden.status_code, hidden["Location"]) == (missing.status_code, missing["Location"])
    assert not outsider.follows.exists()


def test_the_tables_people_may_follow_its_tag(client, private_member, hidden_tag):
    client.force_login(private_member)
    _, messages = follow(client, "tag", hidden_tag.slug)
    assert messages[0].startswith("You follow zqx4tag.")
    assert private_member.follows.get().tag == hidden_tag


def test_a_tag_on_a_public_recommendation_may_be_followed(client, outsider, public_table):
    recommendation = RecommendationPageFactory(parent=public_table)
    recommendation.tags.add("shelter")
    recommendation.save_revision().publish()
    client.force_login(outsider)
    _, messages = follow(client, "tag", "shelter")
    assert messages[0].startswith("You follow shelter.")


def test_following_a_hidden_table_or_recommendation_answers_as_a_missing_one(
    client, outsider, private_table
):
    recommendation = RecommendationPageFactory(parent=private_table)
    client.force_login(outsider)
    for kind, hidden in (("round_table", private_table.pk), ("recommendation", recommendation.pk)):
        hidden_answer, hidden_messages = follow(client, kind, str(hidden))
        missing_answer, missing_messages = follow(client, kind, "999999")
        assert hidden_messages == missing_messages == [NOTHING_BY_THAT_NAME], kind
        assert hidden_answer["Location"] == missing_answer["Location"], kind
    assert not outsider.follows.exists()
