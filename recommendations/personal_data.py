"""The personal data this app keeps: endorsements, follow-through records, follows, news.

Registered in the site's personal-data registry (``commontable.core.personal_data_registry``)
when the app loads. Endorsements, stage changes and funding entries are the
public record of what organizations and tables did, so deleting an account
keeps them and takes the person's name off them; follows and
notifications are the person's own and go.

As in ``convenings.personal_data``, an export keeps the person's own words
(statements, notes, funding entries) but names a recommendation only while
they may see it. News about something they can no longer see is never sent
(``notifications.still_visible`` at send time): unsent, it is left out of the
export; sent, it is listed without its subject, text or address.
"""

from django_tasks_db.models import DBTaskResult

from commontable.core.personal_data_registry import PersonalData, registry
from recommendations.models import (
    Endorsement,
    Follow,
    FundingCommitment,
    Notification,
    RecommendationPage,
    StageChange,
)
from recommendations.notifications import (
    send_digest,
    send_notification,
    send_stale_reminder,
    still_visible,
)

RECOMMENDATION_NOT_VISIBLE = "a recommendation you can no longer see"
NEWS_NOT_VISIBLE = "news about something you can no longer see"


def recommendation_titles(user, rows) -> dict[int, str]:
    """The titles of the rows' recommendations, by id, for the ones ``user`` may still see."""
    return dict(
        RecommendationPage.objects.visible_to(user)
        .filter(pk__in={row.recommendation_id for row in rows})
        .values_list("pk", "title")
    )


def export_endorsements(user) -> list[dict]:
    endorsements = list(
        Endorsement.objects.filter(representative=user).select_related("organization")
    )
    titles = recommendation_titles(user, endorsements)
    return [
        {
            "recommendation": titles.get(endorsement.recommendation_id, RECOMMENDATION_NOT_VISIBLE),
            "organization": endorsement.organization.name,
            "statement": endorsement.statement,
            "endorsed_on": endorsement.endorsed_on,
        }
        for endorsement in endorsements
    ]


def export_stage_changes(user) -> list[dict]:
    changes = list(StageChange.objects.filter(by=user))
    titles = recommendation_titles(user, changes)
    return [
        {
            "recommendation": titles.get(change.recommendation_id, RECOMMENDATION_NOT_VISIBLE),
            "from": change.get_from_stage_display(),
            "to": change.get_to_stage_display(),
            "at": change.at,
            "note": change.note,
            "link": change.link,
        }
        for change in changes
    ]


def export_funding(user) -> list[dict]:
    commitments = list(FundingCommitment.objects.filter(recorded_by=user))
    titles = recommendation_titles(user, commitments)
    return [
        {
            "recommendation": titles.get(commitment.recommendation_id, RECOMMENDATION_NOT_VISIBLE),
            "funder": commitment.funder,
            "amount": commitment.amount,
            "committed_on": commitment.committed_on,
            "status": commitment.get_status_display(),
            "reference": commitment.reference,
            "recorded": commitment.created_at,
        }
        for commitment in commitments
    ]


def export_follows(user) -> list[dict]:
    # Named only while the person may still see it, as on their follows page.
    return [
        {
            "kind": follow.get_kind_display(),
            "following": str(follow.target) if follow.available else "no longer available to you",
            "frequency": follow.get_frequency_display(),
            "since": follow.created_at,
        }
        for follow in Follow.objects.filter(user=user)
        .with_availability(user)
        .select_related("recommendation", "round_table", "community", "tag")
    ]


def export_notifications(user) -> list[dict]:
    exported = []
    for notification in Notification.objects.filter(user=user).select_related("user"):
        if still_visible(notification):
            about = {
                "subject": notification.subject,
                "body": notification.body,
                "address": notification.url,
            }
        elif notification.sent_at is None:
            continue  # never to be sent (see send_notification and send_digest)
        else:
            about = {"subject": NEWS_NOT_VISIBLE, "body": "", "address": ""}
        exported.append(
            {
                **about,
                "created": notification.created_at,
                "sent": notification.sent_at,
                "frequency": notification.get_frequency_display(),
            }
        )
    return exported


def erase_notifications(user) -> None:
    """Remove the person's news and the queued tasks that would have sent it to them.

    The tasks' arguments are ids (of the person, or of their notifications),
    so they are found by task and argument in the database-backed queue.
    """
    notification_ids = set(Notification.objects.filter(user=user).values_list("pk", flat=True))
    by_argument = {
        send_notification.module_path: notification_ids,
        send_digest.module_path: {user.pk},
        send_stale_reminder.module_path: {user.pk},
    }
    queued = DBTaskResult.objects.filter(task_path__in=by_argument)
    DBTaskResult.objects.filter(
        pk__in=[
            result.pk
            for result in queued.only("pk", "task_path", "args_kwargs")
            if (result.args_kwargs.get("args") or [None])[0] in by_argument[result.task_path]
        ]
    ).delete()
    Notification.objects.filter(user=user).delete()


registry.register(
    PersonalData(
        key="endorsements",
        label="Endorsements you gave for your organizations",
        kept="Kept as the organization's endorsement, with no representative named.",
        covers=("recommendations.Endorsement.representative",),
        export=export_endorsements,
        erase=lambda user: Endorsement.objects.filter(representative=user).update(
            representative=None
        ),
    )
)
registry.register(
    PersonalData(
        key="stage_changes",
        label="Stage changes and decisions you recorded",
        kept="Kept on each recommendation's public timeline, with no name.",
        covers=("recommendations.StageChange.by",),
        export=export_stage_changes,
        erase=lambda user: StageChange.objects.filter(by=user).update(by=None),
    )
)
registry.register(
    PersonalData(
        key="funding_commitments",
        label="Funding commitments you recorded",
        kept="Kept in each recommendation's funding ledger, with no name.",
        covers=("recommendations.FundingCommitment.recorded_by",),
        export=export_funding,
        erase=lambda user: FundingCommitment.objects.filter(recorded_by=user).update(
            recorded_by=None
        ),
    )
)
registry.register(
    PersonalData(
        key="follows",
        label="What you follow, and how often you asked to hear",
        covers=("recommendations.Follow.user",),
        export=export_follows,
        erase=lambda user: Follow.objects.filter(user=user).delete(),
    )
)
registry.register(
    PersonalData(
        key="notifications",
        label="Notifications and digests sent or waiting to be sent to you",
        covers=("recommendations.Notification.user",),
        export=export_notifications,
        erase=erase_notifications,
    )
)
