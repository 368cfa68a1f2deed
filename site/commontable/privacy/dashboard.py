"""The admin dashboard's counts and panels: only pages the person may see."""

from collections.abc import Iterable

from wagtail.admin.site_summary import PagesSummaryItem
from wagtail.admin.views import home
from wagtail.models import Page

from commontable.privacy.rule import pages_shown_in_admin


def shown_page_ids(user, pages: Iterable) -> set:
    """The ids of those pages this person may see in the admin."""
    ids = [page.pk for page in pages if isinstance(page, Page)]
    return set(pages_shown_in_admin(user).filter(pk__in=ids).values_list("pk", flat=True))


class ShownPagesSummaryItem(PagesSummaryItem):
    """The dashboard's page count, counting only the pages this person may see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        root_page = context["root_page"]
        if root_page is not None:
            shown = pages_shown_in_admin(self.request.user).descendant_of(root_page, inclusive=True)
            context["total_pages"] = shown.filter(depth__gt=1).count()
        return context


class ShownRecentEditsPanel(home.RecentEditsPanel):
    """Your most recent edits, without pages you may no longer see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        shown = shown_page_ids(user, [page for _, page in context["last_edits"]])
        context["last_edits"] = [edit for edit in context["last_edits"] if edit[1].pk in shown]
        return context


class ShownLockedPagesPanel(home.LockedPagesPanel):
    """The pages you locked, without those you may no longer see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["locked_pages"] = context["locked_pages"].filter(
            pk__in=pages_shown_in_admin(user).values("pk")
        )
        return context


class ShownUserObjectsInWorkflowModerationPanel(home.UserObjectsInWorkflowModerationPanel):
    """Your pages in moderation, without those you may no longer see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        states = list(context["workflow_states"])
        user = parent_context["request"].user
        shown = shown_page_ids(user, [state.content_object for state in states])
        context["workflow_states"] = [
            state
            for state in states
            if not isinstance(state.content_object, Page) or state.content_object.pk in shown
        ]
        return context


class ShownWorkflowObjectsToModeratePanel(home.WorkflowObjectsToModeratePanel):
    """Pages awaiting your review, without those you may not see."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        shown = shown_page_ids(user, [state["obj"] for state in context["states"]])
        context["states"] = [
            state
            for state in context["states"]
            if not isinstance(state["obj"], Page) or state["obj"].pk in shown
        ]
        return context


SHOWN_PANELS = {
    home.RecentEditsPanel: ShownRecentEditsPanel,
    home.LockedPagesPanel: ShownLockedPagesPanel,
    home.UserObjectsInWorkflowModerationPanel: ShownUserObjectsInWorkflowModerationPanel,
    home.WorkflowObjectsToModeratePanel: ShownWorkflowObjectsToModeratePanel,
}
