"""Who may see which page: one rule for every page, listing, search and feed.

Members-only round tables are private sections made with Wagtail's own view
restrictions (by login or by group; shared passwords are switched off). The
``visible_to(user)`` filter mirrors Wagtail's ``public()``, but lets through
the private sections whose restriction this user passes, exactly as
``PageViewRestriction.accept_request`` would when the page is served.
"""

from django.db.models import Q
from wagtail.models import BaseViewRestriction, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet


def user_group_ids(user) -> frozenset[int]:
    """The ids of the groups a user belongs to, looked up once per user object."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_commontable_group_ids"):
        user._commontable_group_ids = frozenset(user.groups.values_list("pk", flat=True))
    return user._commontable_group_ids


def restriction_admits(restriction: PageViewRestriction, user) -> bool:
    """Whether a view restriction lets this user in (shared passwords never do)."""
    if restriction.restriction_type == BaseViewRestriction.LOGIN:
        return user.is_authenticated
    if restriction.restriction_type == BaseViewRestriction.GROUPS:
        if user.is_authenticated and user.is_superuser:
            return True
        allowed = {group.pk for group in restriction.groups.all()}
        return bool(allowed & user_group_ids(user))
    return False


def closed_sections(user) -> list[str]:
    """The tree paths of the private sections this user may not enter.

    Looked up once per user object, as ``user_group_ids`` is: in a request,
    once for every listing on the page rather than once per listing.
    """
    if not hasattr(user, "_commontable_closed_sections"):
        restrictions = PageViewRestriction.objects.select_related("page").prefetch_related("groups")
        user._commontable_closed_sections = [
            restriction.page.path
            for restriction in restrictions
            if not restriction_admits(restriction, user)
        ]
    return user._commontable_closed_sections


class VisiblePageQuerySet(PageQuerySet):
    """Wagtail's page QuerySet with the site's one visibility rule."""

    def hidden_from_q(self, user) -> Q:
        """A Q matching pages inside a private section this user may not enter.

        A page is in a section when its tree path begins with the section's
        (treebeard's materialised path), a lookup the search backends can
        apply too.
        """
        q = Q()
        for path in closed_sections(user):
            q |= Q(path__startswith=path)
        return q if q else Q(pk__in=[])

    def visible_to(self, user):
        """Filters the QuerySet to only contain live pages this user may read."""
        return self.live().exclude(self.hidden_from_q(user))


class VisiblePageManager(PageManager.from_queryset(VisiblePageQuerySet)):
    """Page manager whose QuerySets offer ``visible_to(user)``."""
