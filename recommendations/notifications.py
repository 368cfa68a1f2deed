"""Who hears about what: follows turn events into notifications, and tasks send them.

Quiet by default: a follow sends stage changes, funding and new
convenings only. Each person hears about an event once, whatever they follow,
and only if they may see the thing it is about. Nothing here sends email in
the request: immediate notifications are queued as background tasks once the
change is committed.
"""

import email.policy
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commontable.core.plain_text import one_line, printable
from convenings.models import ConveningPage, RoundTableRole
from recommendations.models import STALE_AFTER, Follow, Notification, RecommendationPage
from recommendations.stages import FINAL_STAGES

UNSUBSCRIBE_SALT = "commontable.unsubscribe"


def unsubscribe_token(user) -> str:
    """A signed token that stops all of this person's follows; it cannot be forged."""
    return signing.dumps({"user": user.pk}, salt=UNSUBSCRIBE_SALT)


def follow_unsubscribe_token(follow: Follow) -> str:
    """A signed token that stops one follow, and only while it is this person's."""
    return signing.dumps({"user": follow.user_id, "follow": follow.pk}, salt=UNSUBSCRIBE_SALT)


@dataclass(frozen=True)
class Unsubscription:
    """What an unsubscribe link stops: one of a person's follows, or (``follow_id`` None) all.

    Links that name only a person were sent before each email named its follow;
    they keep stopping everything, as their emails said.
    """

    user: object
    follow_id: int | None

    def follows(self):
        """The follows this link stops that still exist, each marked ``available``."""
        follows = self.user.follows.with_availability(self.user)
        if self.follow_id is not None:
            follows = follows.filter(pk=self.follow_id)
        return follows.select_related("recommendation", "round_table", "community", "tag")

    def stop(self) -> None:
        """Stop the follows and the news they brought that is not sent yet."""
        with transaction.atomic():
            self.follows().stop()
            if self.follow_id is None:
                self.user.notifications.filter(sent_at__isnull=True).delete()


def unsubscription_for_token(token: str) -> Unsubscription | None:
    """What a token stops, or None when it is not one of ours or its person is gone."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, follow_id = data.get("user"), data.get("follow")
    if not isinstance(user_id, int) or not isinstance(follow_id, int | None):
        return None
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    return Unsubscription(user=user, follow_id=follow_id)


def absolute_url(path: str) -> str:
    """An address on this site as a link in an email."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def unsubscribe_url(token: str) -> str:
    """The absolute one-click unsubscribe address for a token."""
    return absolute_url(reverse("unsubscribe", kwargs={"token": token}))


def followers_of(recommendation: RecommendationPage | None = None, *, round_table, community, tags):
    """The follows that cover a recommendation, or a convening's table and community."""
    q = Q(kind=Follow.Kind.ROUND_TABLE, round_table=round_table) | Q(
        kind=Follow.Kind.COMMUNITY, community=community
    )
    if recommendation is not None:
        q |= Q(kind=Follow.Kind.RECOMMENDATION, recommendation=recommendation)
    if tags:
        q |= Q(kind=Follow.Kind.TAG, tag__in=tags)
    return Follow.objects.filter(q).select_related("user")


def notify(follows, *, event: str, topic: str, subject: str, body: str, url: str, may_see) -> list:
    """Record the news once per person who follows it and may see it; queue immediate ones."""
    by_user = {}
    for follow in follows:
        if not follow.user.is_active:
            continue
        current = by_user.get(follow.user_id)
        # Someone with any immediate follow on this news hears it immediately,
        # and that follow is the one the email names.
        if current is None or follow.frequency == Follow.Frequency.IMMEDIATE:
            by_user[follow.user_id] = follow
    created = []
    for follow in by_user.values():
        if not may_see(follow.user):
            continue
        notification, made = Notification.objects.get_or_create(
            user=follow.user,
            event=event,
            defaults={
                "follow": follow,
                "topic": topic,
                "subject": subject,
                "body": body,
                "url": url,
                "frequency": follow.frequency,
            },
        )
        if made:
            created.append(notification)
    immediate = [n.pk for n in created if n.frequency == Follow.Frequency.IMMEDIATE]
    if immediate:
        transaction.on_commit(lambda: queue_immediate(immediate))
    return created


def queue_immediate(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        send_notification.enqueue(notification_id)


def recommendation_news(recommendation: RecommendationPage, *, event: str, subject: str, body: str):
    """Tell the followers of a recommendation, its table, its community and its tags."""
    table = recommendation.round_table
    follows = followers_of(
        recommendation,
        round_table=table,
        community=table.community if table else None,
        tags=list(recommendation.tags.all()),
    )
    return notify(
        follows,
        event=event,
        topic=f"recommendation:{recommendation.pk}",
        subject=subject,
        body=body,
        url=recommendation.full_url,
        may_see=lambda user: (
            RecommendationPage.objects.visible_to(user).filter(pk=recommendation.pk).exists()
        ),
    )


def convening_news(convening: ConveningPage):
    """Tell the followers of a convening's round table and community that it is scheduled."""
    table = convening.round_table
    if table is None:
        return []
    when = convening.local_starts_at.strftime("%A %-d %B %Y, %-I:%M %p %Z")
    return notify(
        followers_of(round_table=table, community=table.community, tags=[]),
        event=f"convening:{convening.pk}",
        topic=f"convening:{convening.pk}",
        subject=f"New convening: {convening.title}",
        body=f"{table.title} meets on {when}. Register on the site to attend.",
        url=convening.full_url,
        may_see=lambda user: (
            ConveningPage.objects.visible_to(user).filter(pk=convening.pk).exists()
        ),
    )


def still_visible(notification: Notification) -> bool:
    """Whether the person may still see what the news is about (access can change in a week)."""
    kind, _, pk = notification.topic.partition(":")
    model = {"recommendation": RecommendationPage, "convening": ConveningPage}.get(kind)
    if model is None or not pk.isdecimal():
        return False
    return model.objects.visible_to(notification.user).filter(pk=int(pk)).exists()


class UnfoldedHeader(str):
    """A header sent exactly as written, on one line.

    Python's email policies fold a long unstructured header and, when one
    token (a long URL) cannot fit a line, RFC 2047-encode it (``=?utf-8?q?…``);
    mail providers then no longer read ``List-Unsubscribe`` as a link. A line
    may hold 998 characters, far more than an unsubscribe address needs.
    """

    def __new__(cls, name: str, value: str):
        if not value.isascii() or not value.isprintable() or len(name) + len(value) + 2 > 998:
            raise ValueError(f"{name} must be printable ASCII on one line")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


class NotificationEmail(EmailMessage):
    """An automatic email with one-click unsubscribe (RFC 2369 and RFC 8058) on one line."""

    def __init__(self, *, unsubscribe_link: str, **kwargs):
        super().__init__(**kwargs)
        self.unsubscribe_link = unsubscribe_link

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=policy)
        message["List-Unsubscribe"] = UnfoldedHeader(
            "List-Unsubscribe", f"<{self.unsubscribe_link}>"
        )
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        # Tells mail servers and vacation responders not to answer it (RFC 3834).
        message["Auto-Submitted"] = "auto-generated"
        return message


def send_email(
    user, *, subject: str, template: str, context: dict, follow: Follow | None = None
) -> None:
    """One plain-text email with a one-click unsubscribe link and headers.

    With ``follow`` (the follow that brought the news) the link stops that
    follow only; without, it stops every follow. The email also links to the
    follows page, to stop the others or change how often they send.
    """
    token = follow_unsubscribe_token(follow) if follow else unsubscribe_token(user)
    link = unsubscribe_url(token)
    body = render_to_string(
        template,
        {
            **context,
            "user": user,
            "follow": follow,
            "unsubscribe_url": link,
            "follows_url": absolute_url(reverse("follows")),
        },
    )
    NotificationEmail(
        # A header is one line: a title's line break would end it (or start another).
        subject=one_line(f"[Common Table] {subject}"),
        body=printable(body),
        to=[user.email],
        unsubscribe_link=link,
    ).send()


@task(backend="notifications", queue_name="notifications")
def send_notification(notification_id: int) -> None:
    """Send one immediate notification (run by the worker, never in a request)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "follow")
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:  # already sent, or the person unsubscribed
            return
        if not still_visible(notification):
            notification.delete()
            return
        send_email(
            notification.user,
            subject=notification.subject,
            template="recommendations/email/notification.txt",
            context={"notification": notification},
            follow=notification.follow,
        )
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])


def digest_entries(notifications) -> list:
    """One entry per topic, newest first; repeated changes to one item become one entry."""
    ordered = sorted(notifications, key=lambda n: (n.topic, n.created_at), reverse=True)
    entries = []
    for _, group in groupby(ordered, key=lambda n: n.topic):
        items = list(group)
        entries.append({"latest": items[0], "count": len(items), "items": items})
    return sorted(entries, key=lambda entry: entry["latest"].created_at, reverse=True)


@task(backend="notifications", queue_name="notifications")
def send_digest(user_id: int) -> None:
    """Send a person's weekly digest of everything not yet sent."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(user_id=user_id, frequency=Follow.Frequency.WEEKLY, sent_at__isnull=True)
        )
        hidden = [n.pk for n in pending if not still_visible(n)]
        Notification.objects.filter(pk__in=hidden).delete()
        pending = [n for n in pending if n.pk not in hidden]
        if not pending:
            return
        entries = digest_entries(pending)
        send_email(
            pending[0].user,
            subject=f"Your weekly digest: {len(entries)} update{'s' if len(entries) != 1 else ''}",
            template="recommendations/email/digest.txt",
            context={"entries": entries},
        )
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(sent_at=timezone.now())


def queue_digests() -> int:
    """Queue a digest for everyone with weekly news waiting; returns how many were queued."""
    user_ids = (
        Notification.objects.filter(frequency=Follow.Frequency.WEEKLY, sent_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    count = 0
    for user_id in user_ids:
        send_digest.enqueue(user_id)
        count += 1
    return count


@task(backend="notifications", queue_name="notifications")
def send_stale_reminder(user_id: int, recommendation_ids: list[int]) -> None:
    """Remind a facilitator of their table's recommendations that have not moved in 90 days."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    stale = [
        page
        for page in RecommendationPage.objects.live().filter(pk__in=recommendation_ids)
        if page.stale_since
    ]
    if user is None or not stale:
        return
    send_email(
        user,
        subject=f"{len(stale)} recommendation{'s' if len(stale) != 1 else ''} with no update "
        "in 90 days",
        template="recommendations/email/stale_reminder.txt",
        context={"recommendations": stale},
    )


def queue_stale_reminders() -> int:
    """Queue one reminder per facilitator listing their tables' stale recommendations."""
    cutoff = timezone.now() - STALE_AFTER
    stale = (
        RecommendationPage.objects.live()
        .filter(stage_changed_at__lt=cutoff)
        .exclude(stage__in=FINAL_STAGES)
        .values_list("pk", "round_table_id")
    )
    by_table = {}
    for pk, table_id in stale:
        by_table.setdefault(table_id, []).append(pk)
    by_facilitator = {}
    for role in RoundTableRole.objects.facilitators().filter(round_table_id__in=by_table):
        by_facilitator.setdefault(role.user_id, []).extend(by_table[role.round_table_id])
    for user_id, ids in by_facilitator.items():
        send_stale_reminder.enqueue(user_id, sorted(ids))
    return len(by_facilitator)
