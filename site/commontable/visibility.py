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


class VisiblePageQuerySet(PageQuerySet):
    """Wagtail's page QuerySet with the site's one visibility rule."""

    def hidden_from_q(self, user) -> Q:
        """A Q matching pages inside a private section this user may not enter."""
        q = Q()
        restrictions = PageViewRestriction.objects.select_related("page").prefetch_related("groups")
        for restriction in restrictions:
            if not restriction_admits(restriction, user):
                q |= self.descendant_of_q(restriction.page, inclusive=True)
        return q if q else Q(pk__in=[])

    def visible_to(self, user):
        """Filters the QuerySet to only contain live pages this user may read."""
        return self.live().exclude(self.hidden_from_q(user))


class VisiblePageManager(PageManager.from_queryset(VisiblePageQuerySet)):
    """Page manager whose QuerySets offer ``visible_to(user)``."""
