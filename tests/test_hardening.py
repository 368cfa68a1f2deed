"""Fixes from review: odd searches, admin choosers, moves and copies, stale access."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from convenings.models import ConveningPage, Need
from recommendations.models import Follow, Notification, RecommendationPage
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ['"', "(", 'safety "', "NEAR(", "*", "a OR", "-x"])
def test_odd_searches_never_fail(client, query):
    NeedFactory(title="Safety planning")
    for url in ("/search/", reverse("need_list"), reverse("recommendation_list")):
        assert client.get(url, {"q": query}).status_code == 200, (url, query)
    assert client.get(reverse("recommendation_csv"), {"q": query}).status_code == 200


def test_unicode_digits_cannot_break_following(client, member):
    client.force_login(member)
    response = client.post(reverse("follow"), {"kind": "recommendation", "target": "²"})
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_admin_need_choices_hide_members_only_needs(
    client, facilitator, public_table, private_table
):
    secret = NeedFactory(
        title="Secret peer need", visibility=Need.Visibility.MEMBERS, round_table=private_table
    )
    recommendation = RecommendationPageFactory(parent=public_table)
    client.force_login(facilitator)
    body = client.get(f"/admin/pages/{recommendation.pk}/edit/").content.decode()
    assert secret.title not in body


def test_admin_page_chooser_hides_members_only_pages(client, facilitator, private_table):
    client.force_login(facilitator)
    response = client.get("/admin/choose-page/search/", {"q": "Hidden"})
    assert "Hidden Peer Table" not in response.content.decode()


def test_moving_a_convening_moves_its_table(private_table, public_table):
    convening = ConveningPageFactory(parent=private_table)
    convening.move(public_table, pos="last-child")
    assert ConveningPage.objects.get(pk=convening.pk).round_table_id == public_table.pk


def test_a_copied_recommendation_starts_as_a_draft(public_table, facilitator):
    original = RecommendationPageFactory(parent=public_table)
    original.propose(by=facilitator)
    copy = original.copy(update_attrs={"slug": "copy-of-it", "title": "Copy"})
    assert RecommendationPage.objects.get(pk=copy.pk).stage == "draft"


def test_a_copied_round_table_gets_groups_of_its_own(public_table):
    copy = public_table.copy(update_attrs={"slug": "copied-table", "title": "Copied"})
    copy = type(public_table).objects.get(pk=copy.pk)
    assert copy.member_group_id != public_table.member_group_id


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_news_is_not_sent_to_someone_who_lost_access(public_table, facilitator):
    reader = MembershipFactory().user
    recommendation = RecommendationPageFactory(parent=public_table)
    Follow.objects.create(
        user=reader, kind="recommendation", recommendation=recommendation, frequency="weekly"
    )
    recommendation.propose(by=facilitator)
    assert Notification.objects.filter(user=reader).count() == 1
    public_table.members_only = True
    public_table.save_revision().publish()
    call_command("send_digests")
    call_command(
        "db_worker",
        "--batch",
        "--backend",
        "notifications",
        "--no-startup-delay",
        "--queue-name",
        "*",
    )
    assert mail.outbox == []
    assert not Notification.objects.filter(user=reader).exists()


def test_a_facilitator_cannot_change_how_someone_elses_need_is_credited(
    client, facilitator, public_table, member
):
    need = NeedFactory(
        round_table=public_table,
        posted_by=member,
        organization=member.memberships.get().organization,
    )
    client.force_login(facilitator)
    body = client.get(reverse("need_edit", args=[need.pk])).content.decode()
    assert 'name="attribution"' not in body
    assert 'name="visibility"' not in body


def test_tag_choices_only_come_from_visible_needs(client, private_table):
    hidden = NeedFactory(visibility=Need.Visibility.MEMBERS, round_table=private_table)
    hidden.tags.add("codeword")
    NeedFactory().tags.add("housing")
    body = client.get(reverse("need_list")).content.decode()
    assert "housing" in body
    assert "codeword" not in body


def test_deleting_a_members_only_table_keeps_its_needs_private(private_table):
    need = NeedFactory(round_table=private_table)
    private_table.delete()
    assert Need.objects.get(pk=need.pk).visibility == Need.Visibility.MEMBERS


def test_follow_of_something_now_hidden_is_shown_without_its_title(client, public_table, member):
    recommendation = RecommendationPageFactory(parent=public_table, title="Soon private")
    Follow.objects.create(user=member, kind="recommendation", recommendation=recommendation)
    other = RoundTablePageFactory(members_only=True)
    recommendation.move(other, pos="last-child")
    client.force_login(member)
    body = client.get(reverse("follows")).content.decode()
    assert "Soon private" not in body
    assert "no longer available to you" in body


def test_agenda_links_show_on_both_pages_and_never_leak(client, public_table, private_table):
    need = NeedFactory(title="Shared need")
    secret = NeedFactory(
        title="Secret linked need", visibility=Need.Visibility.MEMBERS, round_table=private_table
    )
    recommendation = RecommendationPageFactory(parent=public_table, title="Linked idea")
    convening = ConveningPageFactory(parent=public_table, title="Linking convening")
    convening.agenda.append(
        (
            "item",
            {"title": "Item", "needs": [need, secret], "recommendations": [recommendation]},
        )
    )
    convening.save_revision().publish()
    body = client.get(convening.url).content.decode()
    assert "Shared need" in body and "Linked idea" in body
    assert "Secret linked need" not in body
    assert "Linking convening" in client.get(need.get_absolute_url()).content.decode()
    assert "Linking convening" in client.get(recommendation.url).content.decode()


def test_follow_of_a_tag_now_only_on_hidden_things_is_shown_without_its_name(
    client, public_table, member
):
    recommendation = RecommendationPageFactory(parent=public_table)
    recommendation.tags.add("zqxcodeword")
    recommendation.save_revision().publish()
    client.force_login(member)
    client.post(
        reverse("follow"), {"kind": "tag", "target": "zqxcodeword", "frequency": "immediate"}
    )
    assert "zqxcodeword" in client.get(reverse("follows")).content.decode()
    recommendation.move(RoundTablePageFactory(members_only=True), pos="last-child")
    body = client.get(reverse("follows")).content.decode()
    assert "zqxcodeword" not in body
    assert "no longer available to you" in body
    assert "zqxcodeword" not in client.post(reverse("account_data")).content.decode()
