"""Follows and notifications: queued as tasks, sent by the worker, grouped in digests."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recommendations.models import Follow, Notification, RecommendationPage
from recommendations.notifications import (
    UNSUBSCRIBE_SALT,
    digest_entries,
    follow_unsubscribe_token,
    send_notification,
    unsubscribe_token,
)
from tests.factories import ConveningPageFactory, RecommendationPageFactory, UserFactory
from tests.test_accounts import smtp_server  # noqa: F401 (a fixture: a real SMTP server)

pytestmark = pytest.mark.django_db(transaction=False)


def run_worker():
    call_command(
        "db_worker",
        "--batch",
        "--backend",
        "notifications",
        "--no-startup-delay",
        "--queue-name",
        "*",
    )


@pytest.fixture
def recommendation(public_table):
    return RecommendationPageFactory(parent=public_table, title="Overnight drop-in")


@pytest.fixture
def councillor(db):
    return UserFactory(email="councillor@example.org", display_name="Councillor Ash")


def follow(client, user, kind, target, frequency="immediate"):
    client.force_login(user)
    return client.post(reverse("follow"), {"kind": kind, "target": target, "frequency": frequency})


# The worker opens its own connection: on PostgreSQL that needs real transactions.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_follow_stage_change_one_email_queued_then_sent_by_the_worker(
    client, recommendation, councillor, facilitator, django_capture_on_commit_callbacks
):
    follow(client, councillor, "recommendation", recommendation.pk)
    assert Follow.objects.filter(user=councillor).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        recommendation.propose(by=facilitator, note="Ready for the table.")
    assert Notification.objects.filter(user=councillor).count() == 1
    assert DBTaskResult.objects.count() == 1  # queued, not sent in the request
    assert mail.outbox == []

    run_worker()
    (message,) = mail.outbox
    assert message.to == ["councillor@example.org"]
    assert "Overnight drop-in: now proposed" in message.subject
    assert "Ready for the table." in message.body
    assert "/unsubscribe/" in message.body
    assert message.message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.get().sent_at is not None

    run_worker()  # nobody gets the same news twice
    assert len(mail.outbox) == 1


def test_following_several_covering_things_gives_one_notification(
    client, recommendation, councillor, facilitator, public_table
):
    follow(client, councillor, "recommendation", recommendation.pk)
    follow(client, councillor, "round_table", public_table.pk)
    follow(client, councillor, "community", public_table.community.pk)
    recommendation.propose(by=facilitator)
    assert Notification.objects.filter(user=councillor).count() == 1


def test_tag_follow_hears_about_tagged_recommendations(
    client, recommendation, councillor, facilitator
):
    recommendation.tags.add("shelter")
    recommendation.save_revision().publish()
    follow(client, councillor, "tag", "shelter")
    recommendation.propose(by=facilitator)
    assert Notification.objects.filter(user=councillor).count() == 1


def test_followers_who_cannot_see_it_hear_nothing(client, private_table, councillor):
    hidden = RecommendationPageFactory(parent=private_table)
    hidden.tags.add("shelter")
    hidden.save_revision().publish()
    follow(client, councillor, "tag", "shelter")
    facilitator = UserFactory()
    private_table.roles.create(user=facilitator, role="facilitator")
    RecommendationPage.objects.get(pk=hidden.pk).propose(by=facilitator)
    assert not Notification.objects.filter(user=councillor).exists()


def test_cannot_follow_what_you_cannot_see(client, private_table, councillor):
    hidden = RecommendationPageFactory(parent=private_table)
    response = follow(client, councillor, "recommendation", hidden.pk)
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_funding_and_new_convenings_are_news(
    client, recommendation, councillor, facilitator, public_table
):
    follow(client, councillor, "round_table", public_table.pk)
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage="adopted")
    recommendation.refresh_from_db()
    recommendation.record_funding(
        by=facilitator, funder="Foundation", amount=5000, committed_on=timezone.localdate()
    )
    ConveningPageFactory(parent=public_table, title="Winter convening")
    subjects = set(Notification.objects.values_list("subject", flat=True))
    assert "Overnight drop-in: funding recorded" in subjects
    assert "Overnight drop-in: now funded" in subjects
    assert "New convening: Winter convening" in subjects


def test_editing_a_convening_again_is_not_news(client, councillor, public_table, upcoming):
    follow(client, councillor, "round_table", public_table.pk)
    upcoming.title = "Spring convening (room changed)"
    upcoming.save_revision().publish()
    assert not Notification.objects.filter(subject__contains="room changed").exists()


# The worker opens its own connection: on PostgreSQL that needs real transactions.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_weekly_digest_groups_a_weeks_changes(
    client, recommendation, councillor, facilitator, public_table
):
    other = RecommendationPageFactory(parent=public_table, title="Peer honoraria")
    follow(client, councillor, "round_table", public_table.pk, frequency="weekly")
    recommendation.propose(by=facilitator)
    recommendation.withdraw(by=facilitator, note="Merged with another.")
    other.propose(by=facilitator)
    assert DBTaskResult.objects.count() == 0  # weekly: nothing sent yet

    call_command("send_digests")
    run_worker()
    (message,) = mail.outbox
    assert "2 updates" in message.subject
    body = message.body
    assert body.count("Overnight drop-in") == 1  # repeated changes to one item: one entry
    assert "(2 updates)" in body
    assert body.index("Peer honoraria") < body.index("Overnight drop-in")  # newest first
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_digest_entries_group_by_item_newest_first(councillor):
    now = timezone.now()
    made = [
        Notification(
            user=councillor,
            event=f"e{i}",
            topic=topic,
            subject=subject,
            body="",
            url="https://x.org",
            frequency="weekly",
            created_at=now - timedelta(hours=h),
        )
        for i, (topic, subject, h) in enumerate([("a", "A1", 5), ("b", "B1", 4), ("a", "A2", 1)])
    ]
    entries = digest_entries(made)
    assert [(e["latest"].subject, e["count"]) for e in entries] == [("A2", 2), ("B1", 1)]


def test_unsubscribe_link_works_without_signing_in(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    client.logout()
    url = reverse("unsubscribe", args=[unsubscribe_token(councillor)])
    page = client.get(url)
    assert page.status_code == 200
    assert Follow.objects.filter(user=councillor).exists()  # a GET changes nothing
    response = client.post(url)
    assert "You are unsubscribed" in response.content.decode()
    assert not Follow.objects.filter(user=councillor).exists()


def test_unsubscribe_link_cannot_be_forged(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    client.logout()
    token = unsubscribe_token(councillor)
    payload, signature = token.rsplit(":", 1)
    someone_else = signing.b64_encode(f'{{"user":{councillor.pk + 1}}}'.encode()).decode()
    wrong_salt = signing.dumps({"user": councillor.pk}, salt="elsewhere")
    for bad in ("nonsense", f"{someone_else}:{signature}", wrong_salt, payload + ":xx"):
        response = client.post(reverse("unsubscribe", args=[bad]))
        assert response.status_code == 400
    assert Follow.objects.filter(user=councillor).exists()


def test_unfollow_and_the_follows_page(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk, frequency="weekly")
    body = client.get(reverse("follows")).content.decode()
    assert "Overnight drop-in" in body and "A weekly digest" in body
    pk = Follow.objects.get().pk
    client.post(reverse("unfollow", args=[pk]))
    assert not Follow.objects.exists()


def test_bad_follow_requests_change_nothing(client, councillor):
    for data in (
        {"kind": "planet", "target": "1"},
        {"kind": "recommendation", "target": "abc"},
        {"kind": "community", "target": "99999"},
        {"kind": "tag", "target": "no-such-tag"},
    ):
        client.force_login(councillor)
        assert client.post(reverse("follow"), data).status_code == 302
    assert not Follow.objects.exists()
    client.logout()
    assert client.post(reverse("follow"), {"kind": "tag", "target": "x"}).status_code == 302


# The worker opens its own connection: on PostgreSQL that needs real transactions.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_facilitators_are_reminded_of_stale_recommendations(recommendation, facilitator):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(
        stage_changed_at=timezone.now() - timedelta(days=91)
    )
    RecommendationPageFactory(parent=recommendation.get_parent(), title="Fresh idea")
    call_command("remind_stale")
    run_worker()
    (message,) = mail.outbox
    assert message.to == [facilitator.email]
    assert "Overnight drop-in" in message.body
    assert "Fresh idea" not in message.body


def test_the_follow_button_offers_every_frequency_in_the_follows_pages_words(
    client, member, public_table
):
    client.force_login(member)
    body = client.get(public_table.url).content.decode()

    offered = [
        f'<option value="{value}">{label}</option>' for value, label in Follow.Frequency.choices
    ]
    assert offered == [
        '<option value="immediate">Email me each time</option>',
        '<option value="weekly">A weekly digest</option>',
    ]
    assert all(option in body for option in offered)


def follow_button_fields(body: str) -> dict[str, str]:
    """The hidden fields of the page's follow button, as the browser would send them."""
    (form,) = re.findall(r'<form method="post" action="/follows/add/".*?</form>', body, re.S)
    return dict(re.findall(r'<input type="hidden" name="(kind|target)" value="([^"]*)">', form))


@pytest.mark.parametrize("followed", ["recommendation", "round_table", "community"])
def test_each_follow_button_follows_what_its_page_shows(
    client, member, recommendation, public_table, followed
):
    page, target = {
        "recommendation": (recommendation.url, recommendation),
        "round_table": (public_table.url, public_table),
        "community": (
            reverse("community_dashboard", args=[public_table.community.slug]),
            public_table.community,
        ),
    }[followed]
    client.force_login(member)
    fields = follow_button_fields(client.get(page).content.decode())
    assert fields == {"kind": followed, "target": str(target.pk)}

    client.post(reverse("follow"), {**fields, "frequency": "weekly"})
    (made,) = Follow.objects.filter(user=member)
    assert (made.kind, getattr(made, followed)) == (followed, target)


def test_a_follow_kind_the_templates_name_wrongly_fails_the_page():
    page = Template("{% load following %}{% follow_kinds as kinds %}{{ kinds.ROUND_TABLE }}")
    assert page.render(Context()) == "round_table"
    with pytest.raises(TemplateSyntaxError, match="no follow kind 'ROUND_TABEL'"):
        Template("{% load following %}{% follow_kinds as kinds %}{{ kinds.ROUND_TABEL }}").render(
            Context()
        )


# One-click unsubscribe, as a mail provider reads it and as a person uses it ------------------


def header_lines(raw: bytes) -> list[bytes]:
    """The header lines of a message exactly as the server received them, continuations kept."""
    head, _, _ = raw.partition(b"\r\n\r\n")
    return head.split(b"\r\n")


def test_the_unsubscribe_headers_reach_a_mail_server_on_one_line_each(
    client,
    recommendation,
    councillor,
    facilitator,
    smtp_server,  # noqa: F811
    settings,
):
    # A long public address makes the link far longer than a 78-character line.
    settings.WAGTAILADMIN_BASE_URL = "https://commontable.example/" + "long-prefix/" * 4
    follow(client, councillor, "recommendation", recommendation.pk)
    recommendation.propose(by=facilitator)
    send_notification.call(Notification.objects.get().pk)

    ((recipients, raw),) = smtp_server.messages
    assert recipients == ["councillor@example.org"]
    lines = header_lines(raw)
    token = follow_unsubscribe_token(Follow.objects.get())
    link = f"{settings.WAGTAILADMIN_BASE_URL}unsubscribe/{token}/"
    assert len(link) > 78
    assert f"List-Unsubscribe: <{link}>".encode() in lines
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    assert b"Auto-Submitted: auto-generated" in lines
    assert b"=?utf-8?" not in raw.partition(b"\r\n\r\n")[0].replace(b"Subject:", b"")
    # The line after it starts a header of its own: nothing was folded onto a second line.
    after = lines[lines.index(f"List-Unsubscribe: <{link}>".encode()) + 1]
    assert not after.startswith((b" ", b"\t"))


def test_a_notification_names_its_follow_and_links_to_the_follows_page(
    client, recommendation, councillor, facilitator, public_table
):
    follow(client, councillor, "round_table", public_table.pk)
    recommendation.propose(by=facilitator)
    send_notification.call(Notification.objects.get().pk)
    (message,) = mail.outbox
    token = follow_unsubscribe_token(Follow.objects.get())
    assert f"you follow the round table “{public_table.title}”" in message.body
    assert f"/unsubscribe/{token}/" in message.body
    assert f"/unsubscribe/{token}/" in message.message()["List-Unsubscribe"]
    assert reverse("follows") in message.body


def test_one_click_unsubscribe_ends_only_the_follow_its_email_was_about(
    client, recommendation, councillor, facilitator, public_table
):
    follow(client, councillor, "recommendation", recommendation.pk, frequency="weekly")
    follow(client, councillor, "community", public_table.community.pk, frequency="weekly")
    other = UserFactory()
    follow(client, other, "recommendation", recommendation.pk, frequency="weekly")
    recommendation.propose(by=facilitator)
    about = Notification.objects.get(user=councillor).follow
    client.logout()

    response = client.post(reverse("unsubscribe", args=[follow_unsubscribe_token(about)]))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert "Your other follows still send emails" in response.content.decode()
    remaining = set(Follow.objects.filter(user=councillor).values_list("kind", flat=True))
    assert remaining == {"recommendation", "community"} - {about.kind}
    assert not Notification.objects.filter(user=councillor).exists()  # its waiting news too
    assert Follow.objects.filter(user=other).count() == 1
    assert Notification.objects.filter(user=other).count() == 1


def test_the_unsubscribe_page_asks_first_and_posts_to_its_own_address(
    client, recommendation, councillor
):
    follow(client, councillor, "recommendation", recommendation.pk)
    client.logout()
    url = reverse("unsubscribe", args=[follow_unsubscribe_token(Follow.objects.get())])
    body = client.get(url).content.decode()
    assert "Stop following “Overnight drop-in”?" in body
    assert f'<form method="post" action="{url}">' in body
    assert 'action=""' not in body
    assert Follow.objects.filter(user=councillor).exists()  # a GET changes nothing


def test_an_unsubscribe_link_for_a_stopped_follow_stops_nothing_else(
    client, recommendation, councillor, public_table
):
    follow(client, councillor, "recommendation", recommendation.pk)
    token = follow_unsubscribe_token(Follow.objects.get())
    client.post(reverse("unfollow", args=[Follow.objects.get().pk]))
    follow(client, councillor, "round_table", public_table.pk)
    client.logout()
    url = reverse("unsubscribe", args=[token])
    assert "You no longer follow this" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert Follow.objects.filter(user=councillor, kind="round_table").exists()


def test_a_follow_token_ends_nothing_of_someone_elses(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    someone = UserFactory()
    # Correctly signed, but naming another person's follow (as if follow ids were reused).
    token = signing.dumps(
        {"user": someone.pk, "follow": Follow.objects.get().pk}, salt=UNSUBSCRIBE_SALT
    )
    client.logout()
    client.post(reverse("unsubscribe", args=[token]))
    assert Follow.objects.filter(user=councillor).exists()


def test_a_token_of_the_wrong_shape_is_refused(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    client.logout()
    for data in (
        [councillor.pk],
        {"user": str(councillor.pk)},
        {"user": councillor.pk, "follow": "1"},
    ):
        token = signing.dumps(data, salt=UNSUBSCRIBE_SALT)
        assert client.post(reverse("unsubscribe", args=[token])).status_code == 400
    assert Follow.objects.filter(user=councillor).exists()


def test_a_link_naming_only_a_person_still_stops_everything(
    client, recommendation, councillor, public_table
):
    follow(client, councillor, "recommendation", recommendation.pk)
    follow(client, councillor, "round_table", public_table.pk)
    client.logout()
    url = reverse("unsubscribe", args=[unsubscribe_token(councillor)])
    assert "Stop all Common Table emails?" in client.get(url).content.decode()
    client.post(url)
    assert not Follow.objects.filter(user=councillor).exists()


# How often a follow sends, changed on the follows page -----------------------------------------


def change_frequency(client, pk, frequency):
    return client.post(
        reverse("change_follow_frequency", args=[pk]), {"frequency": frequency}, follow=True
    )


def test_a_follow_can_change_to_the_weekly_digest_and_back(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    pk = Follow.objects.get().pk
    page = client.get(reverse("follows")).content.decode()
    assert f'action="{reverse("change_follow_frequency", args=[pk])}"' in page
    assert '<option value="immediate" selected>' in page

    response = change_frequency(client, pk, "weekly")
    assert "Changed: a weekly digest." in response.content.decode()
    assert Follow.objects.get().frequency == "weekly"
    assert '<option value="weekly" selected>' in response.content.decode()
    change_frequency(client, pk, "immediate")
    assert Follow.objects.get().frequency == "immediate"


def test_a_weekly_follow_sends_its_news_in_the_digest(
    client, recommendation, councillor, facilitator
):
    follow(client, councillor, "recommendation", recommendation.pk)
    change_frequency(client, Follow.objects.get().pk, "weekly")
    recommendation.propose(by=facilitator)
    assert Notification.objects.get(user=councillor).frequency == "weekly"


def test_someone_elses_follow_keeps_its_frequency(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    pk = Follow.objects.get().pk
    client.force_login(UserFactory())
    response = change_frequency(client, pk, "weekly")
    assert "You were not following that." in response.content.decode()
    assert Follow.objects.get().frequency == "immediate"


def test_an_unknown_frequency_is_refused(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    pk = Follow.objects.get().pk
    for bad in ("daily", ""):
        response = change_frequency(client, pk, bad)
        assert "How often:" in response.content.decode()
    assert Follow.objects.get().frequency == "immediate"


def test_changing_a_frequency_needs_a_post_and_a_sign_in(client, recommendation, councillor):
    follow(client, councillor, "recommendation", recommendation.pk)
    url = reverse("change_follow_frequency", args=[Follow.objects.get().pk])
    assert client.get(url).status_code == 405
    client.logout()
    response = client.post(url, {"frequency": "weekly"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Follow.objects.get().frequency == "immediate"
