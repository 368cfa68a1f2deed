"""Site-wide Wagtail hooks."""

from django.db import transaction
from django.http import Http404
from wagtail import hooks
from wagtail.models import Page
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction

from commontable.errors import ActionRefused
from commontable.personal_data import registry as personal_data
from commontable.visibility import VisiblePageQuerySet, restriction_admits


@hooks.register("before_serve_page", order=-100)
def hide_private_pages(page, request, serve_args, serve_kwargs):
    """Answer 404 for a private page this person may not see.

    Wagtail would redirect a visitor to the sign-in page, which tells anyone
    who guesses an address that a members-only table exists. A 404 tells
    them nothing; the 404 page invites members to sign in.
    """
    for restriction in page.get_view_restrictions().prefetch_related("groups"):
        if not restriction_admits(restriction, request.user):
            raise Http404


@hooks.register("construct_page_chooser_queryset")
def choose_only_visible_pages(pages, request):
    """The admin's page chooser offers only pages this editor may read."""
    return pages.exclude(VisiblePageQuerySet(Page).hidden_from_q(request.user))


# Registered after Wagtail's own, so it takes the place of its bulk delete.
@hooks.register("register_bulk_action", order=100)
class DeleteUsersWithTheirData(DeleteBulkAction):
    """Bulk deletion of people removes their data as their own deletion does."""

    def check_perm(self, obj):
        try:
            personal_data.check(obj)
        except ActionRefused:
            return False
        return super().check_perm(obj)

    @classmethod
    def execute_action(cls, objects, model=None, **kwargs):
        with transaction.atomic():
            for user in objects:
                user.delete_account()
        return len(objects), 0
