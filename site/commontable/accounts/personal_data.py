"""The site-wide kinds of personal data: the account, sign-in, the Wagtail admin, history.

Registered in the personal-data registry when the site loads (see
``commontable.core.personal_data_registry``); each app registers its own kinds beside its
models. Exports never include secrets: no password hash, no MFA secret or
recovery code, no API token.
"""

from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django_tasks_db.models import DBTaskResult
from wagtail.admin.models import EditingSession, FormState
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    APIToken,
    Comment,
    CommentReply,
    ModelLogEntry,
    Page,
    PageLogEntry,
    PageSubscription,
    Revision,
    TaskState,
    UploadedFile,
    WorkflowState,
)
from wagtail.users.models import UserProfile

from commontable.core.errors import ActionRefused
from commontable.core.personal_data_registry import PersonalData, registry

LOG_ENTRY_MODELS = (PageLogEntry, ModelLogEntry)


# The account ------------------------------------------------------------------


def export_account(user) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "joined": user.date_joined,
        "last_signed_in": user.last_login,
        "can_use_admin": user.is_staff,
        "site_administrator": user.is_superuser,
        "groups": list(user.groups.values_list("name", flat=True)),
    }


def erase_account(user) -> None:
    user.groups.clear()
    user.user_permissions.clear()


ONLY_ADMINISTRATOR = (
    "You are the only site administrator. Make someone else an administrator first, "
    "so that the site is never left without one."
)


def is_only_administrator(user, *, lock: bool = False) -> bool:
    """Whether this person is the one active site administrator."""
    if not (user.is_superuser and user.is_active):
        return False
    administrators = get_user_model()._default_manager.filter(is_superuser=True, is_active=True)
    if lock:
        # Two administrators deleting their accounts at once cannot both go.
        administrators = administrators.select_for_update()
    return not [pk for pk in administrators.values_list("pk", flat=True) if pk != user.pk]


def keep_an_administrator(user) -> None:
    """The site must never be left without an administrator to run it."""
    with transaction.atomic():
        if is_only_administrator(user, lock=True):
            raise ActionRefused(ONLY_ADMINISTRATOR)


registry.register(
    PersonalData(
        key="account",
        label="Your account: email address, display name, password and dates",
        covers=("commontable.User_groups.user", "commontable.User_user_permissions.user"),
        export=export_account,
        erase=erase_account,
        check=keep_an_administrator,
        notices=lambda user: [ONLY_ADMINISTRATOR] if is_only_administrator(user) else [],
    )
)


# Sessions and queued emails: not exported, removed -------------------------------


def end_sessions(user) -> None:
    """Sign the person out everywhere, removing their stored sessions.

    Only database-backed sessions can be listed. With a cache-only session
    store the old sessions stay until they expire, but they can no longer sign
    anyone in: their account is gone.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return
    theirs = [
        session.session_key
        for session in store.get_model_class()._default_manager.iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    for session_key in theirs:
        # Through the store, so a cached copy (cached_db sessions) goes too.
        store(session_key).delete()


def erase_queued_tasks(user) -> None:
    """Remove background tasks whose arguments, result or error name the person's email."""
    emails = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    mentions = Q()
    for email in filter(None, emails):
        mentions |= (
            Q(arguments__icontains=email)
            | Q(result__icontains=email)
            | Q(traceback__icontains=email)
        )
    DBTaskResult.objects.annotate(
        arguments=Cast("args_kwargs", models.TextField()),
        result=Cast("return_value", models.TextField()),
    ).filter(mentions).delete()


registry.register(
    PersonalData(
        key="sessions",
        label="Your signed-in sessions on every device",
        covers=(),
        export=None,
        erase=end_sessions,
    )
)
registry.register(
    PersonalData(
        key="queued_emails",
        label="Emails to you still waiting to be sent",
        covers=(),
        export=None,
        erase=erase_queued_tasks,
    )
)


# Sign-in: email addresses and two-factor authentication -------------------------


def export_email_addresses(user) -> list[dict]:
    return [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def export_two_factor(user) -> dict:
    """Whether MFA is on and which methods: never a secret or a recovery code."""
    methods = Authenticator.objects.filter(user=user).order_by("created_at")
    return {
        "enabled": methods.exclude(type=Authenticator.Type.RECOVERY_CODES).exists(),
        "methods": [
            {
                "type": method.get_type_display(),
                "added": method.created_at,
                "last_used": method.last_used_at,
            }
            for method in methods
        ],
    }


registry.register(
    PersonalData(
        key="email_addresses",
        label="Your email addresses",
        covers=("account.EmailAddress.user",),
        export=export_email_addresses,
        erase=lambda user: EmailAddress.objects.filter(user=user).delete(),
    )
)
registry.register(
    PersonalData(
        key="two_factor_authentication",
        label="Your two-factor authentication (authenticator app and recovery codes)",
        covers=("mfa.Authenticator.user",),
        export=export_two_factor,
        erase=lambda user: Authenticator.objects.filter(user=user).delete(),
    )
)


# The Wagtail admin: settings, tokens, subscriptions, drafts in progress -------------


def export_admin_workspace(user) -> dict:
    profile = UserProfile.objects.filter(user=user).first()
    return {
        "preferences": profile
        and {
            "submitted_notifications": profile.submitted_notifications,
            "approved_notifications": profile.approved_notifications,
            "rejected_notifications": profile.rejected_notifications,
            "updated_comments_notifications": profile.updated_comments_notifications,
            "preferred_language": profile.preferred_language,
            "time_zone": profile.current_time_zone,
            "theme": profile.theme,
            "has_avatar": bool(profile.avatar),
        },
        "api_tokens": [
            {
                "name": token.name,
                "created": token.created,
                "last_used": token.last_used_at,
                "revoked": token.revoked_at,
            }
            for token in APIToken.objects.filter(user=user)
        ],
        "page_subscriptions": [
            {
                "page": subscription.page.title,
                "comment_notifications": subscription.comment_notifications,
            }
            for subscription in PageSubscription.objects.filter(user=user).select_related("page")
        ],
        "unsaved_forms": [
            {"saved": state.last_updated_at, "data": state.data}
            for state in FormState.objects.filter(user=user)
        ],
        "unfinished_uploads": UploadedFile.objects.filter(uploaded_by_user=user).count(),
    }


def erase_admin_workspace(user) -> None:
    for profile in UserProfile.objects.filter(user=user).exclude(avatar=""):
        # Files are not transactional: remove the avatar only once the deletion holds.
        name, storage = profile.avatar.name, profile.avatar.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    UserProfile.objects.filter(user=user).delete()
    APIToken.objects.filter(user=user).delete()
    PageSubscription.objects.filter(user=user).delete()
    EditingSession.objects.filter(user=user).delete()
    FormState.objects.filter(user=user).delete()
    for upload in UploadedFile.objects.filter(uploaded_by_user=user):
        name, storage = upload.file.name, upload.file.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        upload.delete()


registry.register(
    PersonalData(
        key="admin_workspace",
        label=(
            "Your Wagtail admin settings, avatar, API tokens, page subscriptions, "
            "unsaved forms and unfinished uploads"
        ),
        covers=(
            "wagtailusers.UserProfile.user",
            "wagtailcore.APIToken.user",
            "wagtailcore.PageSubscription.user",
            "wagtailadmin.EditingSession.user",
            "wagtailadmin.FormState.user",
            "wagtailcore.UploadedFile.uploaded_by_user",
        ),
        export=export_admin_workspace,
        erase=erase_admin_workspace,
    )
)


# Comments on drafts ----------------------------------------------------------------


def export_comments(user) -> dict:
    """The person's own comments and replies (never the comments of others they replied to)."""
    return {
        "comments": [
            {"page": comment.page.title, "text": comment.text, "written": comment.created_at}
            for comment in Comment.objects.filter(user=user).select_related("page")
        ],
        "replies": [
            {"page": reply.comment.page.title, "text": reply.text, "written": reply.created_at}
            for reply in CommentReply.objects.filter(user=user).select_related("comment__page")
        ],
    }


def without_comments_by(comments: list, user_pk: int) -> list:
    """A revision's copy of its comments, less this person's comments and replies."""
    kept = []
    for comment in comments:
        if comment.get("user") == user_pk:
            continue
        comment = dict(comment)
        if comment.get("replies"):
            comment["replies"] = [r for r in comment["replies"] if r.get("user") != user_pk]
        if comment.get("resolved_by") == user_pk:
            comment["resolved_by"] = None
        kept.append(comment)
    return kept


def erase_comments(user) -> None:
    """Remove the person's comments and replies, and their words wherever Wagtail copied them."""
    comment_ids = set(Comment.objects.filter(user=user).values_list("pk", flat=True))
    reply_ids = set(CommentReply.objects.filter(user=user).values_list("pk", flat=True))
    pages = set(
        Comment.objects.filter(Q(user=user) | Q(replies__user=user) | Q(resolved_by=user))
        .values_list("page_id", flat=True)
        .distinct()
    )
    # Page revisions keep a copy of the comments as they were.
    for revision in Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id__in=[str(pk) for pk in pages],
    ):
        comments = revision.content.get("wagtail_admin_comments")
        if not isinstance(comments, list):
            continue
        kept = without_comments_by(comments, user.pk)
        if kept != comments:
            revision.content["wagtail_admin_comments"] = kept
            Revision.objects.filter(pk=revision.pk).update(content=revision.content)
    # Comment history entries quote the comment's text.
    for entry in PageLogEntry.objects.filter(action__startswith="wagtail.comments"):
        data = entry.data or {}
        changed = False
        if data.get("comment", {}).get("id") in comment_ids:
            data["comment"]["text"] = ""
            changed = True
        if data.get("reply", {}).get("id") in reply_ids:
            data["reply"]["text"] = ""
            changed = True
        if changed:
            PageLogEntry.objects.filter(pk=entry.pk).update(data=data)
    CommentReply.objects.filter(user=user).delete()
    Comment.objects.filter(user=user).delete()


registry.register(
    PersonalData(
        key="comments",
        label="Your comments and replies on drafts in the Wagtail admin",
        covers=("wagtailcore.Comment.user", "wagtailcore.CommentReply.user"),
        export=export_comments,
        erase=erase_comments,
    )
)


# What the person wrote and did in the admin: kept, without them ----------------------


def export_authorship(user) -> dict:
    return {
        "pages_owned": [
            {"page": page.title, "created": page.first_published_at}
            for page in Page.objects.filter(owner=user).order_by("path")
        ],
        "revisions_saved": [
            {"of": revision.object_str, "saved": revision.created_at}
            for revision in Revision.objects.filter(user=user).order_by("created_at")
        ],
        "pages_locked": list(Page.objects.filter(locked_by=user).values_list("title", flat=True)),
        "workflows_started": [
            {"workflow": state.workflow.name, "status": state.status, "started": state.created_at}
            for state in WorkflowState.objects.filter(requested_by=user).select_related("workflow")
        ],
        "workflow_tasks_finished": [
            {
                "task": state.task.name,
                "status": state.status,
                "finished": state.finished_at,
                "comment": state.comment,
            }
            for state in TaskState.objects.filter(finished_by=user).select_related("task")
        ],
        "comments_resolved": Comment.objects.filter(resolved_by=user).count(),
        "images_uploaded": list(
            get_image_model().objects.filter(uploaded_by_user=user).values_list("title", flat=True)
        ),
        "documents_uploaded": list(
            get_document_model()
            .objects.filter(uploaded_by_user=user)
            .values_list("title", flat=True)
        ),
    }


def erase_authorship(user) -> None:
    Revision.objects.filter(user=user).update(user=None)
    # A page revision is a copy of the page, owner and lock included.
    for field in ("owner", "locked_by"):
        for revision in Revision.objects.filter(**{f"content__{field}": user.pk}):
            revision.content[field] = None
            Revision.objects.filter(pk=revision.pk).update(content=revision.content)
    # A lock held by nobody would keep everyone out of the page: release it.
    Page.objects.filter(locked_by=user).update(locked=False, locked_by=None, locked_at=None)
    Page.objects.filter(owner=user).update(owner=None)
    WorkflowState.objects.filter(requested_by=user).update(requested_by=None)
    TaskState.objects.filter(finished_by=user).update(finished_by=None)
    Comment.objects.filter(resolved_by=user).update(resolved_by=None)
    get_image_model().objects.filter(uploaded_by_user=user).update(uploaded_by_user=None)
    get_document_model().objects.filter(uploaded_by_user=user).update(uploaded_by_user=None)


registry.register(
    PersonalData(
        key="page_authoring",
        label="Pages, revisions, images and documents you made in the Wagtail admin",
        kept="Kept as part of the site, with no author or owner named.",
        covers=(
            "wagtailcore.Revision.user",
            "wagtailcore.Page.owner",
            "wagtailcore.Page.locked_by",
            "wagtailcore.WorkflowState.requested_by",
            "wagtailcore.TaskState.finished_by",
            "wagtailcore.Comment.resolved_by",
            "wagtailimages.Image.uploaded_by_user",
            "wagtaildocs.Document.uploaded_by_user",
        ),
        export=export_authorship,
        erase=erase_authorship,
    )
)


# History: the admin's audit log ---------------------------------------------------


def personal_records(user) -> list[tuple[type[models.Model], list[str]]]:
    """The person's own rows, by model: the account and everything deleted with it.

    History entries about these rows carry the person's name in their label
    (a membership is "<display name> — <organization>").
    """
    user_model = get_user_model()
    records = [(user_model, [str(user.pk)])]
    for relation in user_model._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and relation.on_delete is models.CASCADE:
            rows = relation.related_model._base_manager.filter(**{relation.field.name: user})
            records.append(
                (relation.related_model, [str(pk) for pk in rows.values_list("pk", flat=True)])
            )
    return records


def export_history(user) -> list[dict]:
    """What the person did in the admin, less entries about other people's own records."""
    personal_types = [
        ContentType.objects.get_for_model(model) for model, _ in personal_records(user)
    ]
    entries = [
        {"action": entry.action, "about": entry.label, "at": entry.timestamp}
        for model in LOG_ENTRY_MODELS
        for entry in model.objects.filter(user=user).exclude(content_type__in=personal_types)
    ]
    entries += [
        {"action": entry.get_change_message(), "about": entry.object_repr, "at": entry.action_time}
        for entry in LogEntry.objects.filter(user=user).exclude(content_type__in=personal_types)
    ]
    return sorted(entries, key=lambda entry: entry["at"])


def erase_history(user) -> None:
    for model, ids in personal_records(user):
        content_type = ContentType.objects.get_for_model(model)
        ModelLogEntry.objects.filter(content_type=content_type, object_id__in=ids).delete()
        LogEntry.objects.filter(content_type=content_type, object_id__in=ids).delete()
    for model in LOG_ENTRY_MODELS:
        # No database constraint here: without this the entries would keep the old id.
        model.objects.filter(user=user).update(user=None)
    LogEntry.objects.filter(user=user).delete()


registry.register(
    PersonalData(
        key="admin_history",
        label="The admin's history of what you changed",
        kept=(
            "Kept, so the site's record of changes stays whole, with no name on them. "
            "History about your account and memberships is removed."
        ),
        covers=(
            "wagtailcore.PageLogEntry.user",
            "wagtailcore.ModelLogEntry.user",
            "admin.LogEntry.user",
        ),
        export=export_history,
        erase=erase_history,
    )
)
