"""Wagtail's hooks that keep pages under the site's one visibility rule."""

from django.http import Http404
from wagtail import hooks
from wagtail.models import Page

from commontable.core.visibility import VisiblePageQuerySet, restriction_admits
from commontable.privacy import bulk_actions, dashboard, reports, rule
from commontable.privacy.page_links import VisiblePageLinkHandler


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


# After Wagtail's own registration of the page link type, which this replaces.
@hooks.register("register_rich_text_features", order=100)
def link_pages_under_the_visibility_rule(features):
    """Page links in rich text name directly only pages every visitor may read."""
    features.register_link_type(VisiblePageLinkHandler)


@hooks.register("construct_page_chooser_queryset")
def choose_only_visible_pages(pages, request):
    """The admin's page chooser offers only pages this editor may read."""
    return pages.exclude(VisiblePageQuerySet(Page).hidden_from_q(request.user))


@hooks.register("register_admin_viewset")
def register_page_views_under_the_rule():
    """Wagtail's page views for every page type, narrowed where they name pages."""
    return reports.ShownPageViewSet()


@hooks.register("construct_explorer_page_queryset")
def explore_only_shown_pages(parent_page, pages, request):
    """The explorer lists (and counts) only the pages this editor may see."""
    return pages.filter(pk__in=rule.pages_shown_in_admin(request.user).values("pk"))


# After Wagtail's own hook, which adds the page count.
@hooks.register("construct_homepage_summary_items", order=100)
def count_only_shown_pages(request, summary_items):
    """The dashboard's page count counts only the pages this editor may see."""
    summary_items[:] = [
        dashboard.ShownPagesSummaryItem(request)
        if type(item) is dashboard.PagesSummaryItem
        else item
        for item in summary_items
    ]


@hooks.register("construct_homepage_panels")
def show_only_shown_pages_on_the_dashboard(request, panels):
    """Recent edits, locks and moderation panels name only pages this editor may see.

    A person who lost access to a table keeps their own log entries; the
    dashboard no longer names the table's pages.
    """
    panels[:] = [
        dashboard.SHOWN_PANELS[type(panel)]() if type(panel) in dashboard.SHOWN_PANELS else panel
        for panel in panels
    ]


# Registered after Wagtail's own, so each takes the place of Wagtail's page bulk action.
for bulk_action in (
    bulk_actions.ShownPagesDeleteBulkAction,
    bulk_actions.ShownPagesMoveBulkAction,
    bulk_actions.ShownPagesPublishBulkAction,
    bulk_actions.ShownPagesUnpublishBulkAction,
):
    hooks.register("register_bulk_action", bulk_action, order=100)
