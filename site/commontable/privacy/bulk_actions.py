"""Bulk actions on pages: what the person may not see answers as if it did not exist."""

from django.http import Http404
from wagtail.admin.views.pages.bulk_actions.delete import (
    DeleteBulkAction as DeletePagesBulkAction,
)
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction
from wagtail.admin.views.pages.bulk_actions.publish import PublishBulkAction
from wagtail.admin.views.pages.bulk_actions.unpublish import UnpublishBulkAction

from commontable.privacy.dashboard import shown_page_ids
from commontable.privacy.editor import choose_only_from
from commontable.privacy.rule import pages_shown_in_admin


class ShownPagesOnly:
    """A page bulk action that acts on, and names, only pages this person may see.

    Wagtail lists every page it is given, with "you don't have permission" for
    those it may not act on; a page this person may not see is left out as if
    its id did not exist (no page left: 404, as Wagtail answers for unknown ids).
    """

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        user = self.request.user
        if user.is_superuser:
            return objects, extra
        named = [*objects]
        for items in extra.values():
            named += [item["item"] if isinstance(item, dict) else item for item in items]
        shown = shown_page_ids(user, named)
        if named and not shown:
            raise Http404

        def keep(item):
            return (item["item"] if isinstance(item, dict) else item).pk in shown

        objects = [obj for obj in objects if keep(obj)]
        return objects, {
            key: [item for item in items if keep(item)] for key, items in extra.items()
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "chooser" in form.fields:
            shown = pages_shown_in_admin(self.request.user)
            form.fields["chooser"].queryset = shown
            choose_only_from(form.fields["chooser"].widget, shown)
        return form


class ShownPagesDeleteBulkAction(ShownPagesOnly, DeletePagesBulkAction):
    """Wagtail\'s bulk delete of pages, under ``ShownPagesOnly``."""


class ShownPagesMoveBulkAction(ShownPagesOnly, MoveBulkAction):
    """Wagtail\'s bulk move of pages, under ``ShownPagesOnly``."""


class ShownPagesPublishBulkAction(ShownPagesOnly, PublishBulkAction):
    """Wagtail\'s bulk publish of pages, under ``ShownPagesOnly``."""


class ShownPagesUnpublishBulkAction(ShownPagesOnly, UnpublishBulkAction):
    """Wagtail\'s bulk unpublish of pages, under ``ShownPagesOnly``."""
