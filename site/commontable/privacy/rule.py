"""The Wagtail admin under the site's one visibility rule.

Wagtail's admin checks what a person may *edit*; it does not ask what they
may *see*. Many of its views render a title, a count or a name from an id in
the address, the query string or a form, whatever the person's permissions:
another table's facilitator could read a members-only table through a bulk
action's "no permission" list, a move confirmation, a report or an agenda item
saved with the table's ids. This module applies the site's rule everywhere
the admin names something:

- ``pages_shown_in_admin(user)`` is the rule for pages: what the site shows
  the person (``VisiblePageQuerySet.visible_to``), plus the drafts of pages
  they may edit, and never anything inside a private section closed to them.
  Other models answer with their own ``visible_to(user)``.
- ``hide_closed_pages`` wraps every admin view (``commontable.urls``): a page
  id in the address that the person may not see answers 404, exactly as an
  id that does not exist.
- The views that list or count pages, or show what a form links to, are
  Wagtail's own, narrowed here: bulk actions, the page editor's choosers and
  revision comparison, usage, privacy, the page types report, tag
  autocomplete and the dashboard.
- The filters that offer people (the explorer's owner and editor, the site
  history's user, the workflow report's requester, the locked pages' locker)
  offer only ``people_shown_in_admin(user)``: someone whose only pages are
  hidden from this person is not named, not even as a choice."""

from collections import defaultdict
from collections.abc import Iterable
from functools import wraps

from django.apps import apps
from django.db.models import Q
from django.http import Http404
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.query import PageQuerySet

from commontable.core.visibility import VisiblePageQuerySet

# What the admin shows in place of the title of something linked that this person may not see.
NOT_AVAILABLE = "Not available to you"


# The keywords of Wagtail's admin URLs that hold a page id.
PAGE_ID_KEYWORDS = frozenset(
    {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
)


# Where ``pk`` names a page (the revisions comparison, under the pages' namespace).
PAGE_NAMESPACE = "wagtailadmin_pages"


# The page permissions that open a page (and its subtree) to its editors in the admin.
EDITING_PERMISSIONS = frozenset({"add", "change", "publish", "lock", "unlock", "bulk_delete"})


def pages_shown_in_admin(user) -> PageQuerySet:
    """Filters pages to those this person may see in the admin.

    Administrators see every page. Anyone else sees the live pages the site
    shows them and every page of the subtrees they may edit (drafts
    included), but nothing inside a private section closed to them, whatever
    their page permissions say.
    """
    pages = Page.objects.all()
    if user.is_superuser:
        return pages
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(
        user, EDITING_PERMISSIONS
    )
    return pages.filter(Q(live=True) | Q(pk__in=editable.values("pk"))).exclude(
        VisiblePageQuerySet(Page).hidden_from_q(user)
    )


def shown_in_admin(model, user):
    """The objects of ``model`` this person may see, or None when the model has no rule."""
    if issubclass(model, Page):
        return pages_shown_in_admin(user)
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    return None


def rule_model(obj) -> type:
    """The model whose rule decides about ``obj``: ``Page`` for every page type."""
    return Page if isinstance(obj, Page) else obj._meta.concrete_model


def hidden_among(user, objects: Iterable) -> set[tuple[type, object]]:
    """The (model, pk) pairs of those ``objects`` this person may not see."""
    wanted = defaultdict(set)
    for obj in objects:
        if obj is not None and obj.pk is not None:
            wanted[rule_model(obj)].add(obj.pk)
    hidden = set()
    for model, pks in wanted.items():
        shown = shown_in_admin(model, user)
        if shown is None:
            continue
        visible = set(shown.filter(pk__in=pks).values_list("pk", flat=True))
        hidden |= {(model, pk) for pk in pks - visible}
    return hidden


def require_page_shown(user, page_id) -> None:
    """Answer 404 for a page this person may not see, as for one that does not exist."""
    if not pages_shown_in_admin(user).filter(pk=page_id).exists():
        raise Http404


def page_ids_in(request, kwargs: dict) -> list:
    """The page ids an admin address names."""
    ids = [kwargs[name] for name in PAGE_ID_KEYWORDS & kwargs.keys()]
    match = request.resolver_match
    if "pk" in kwargs and match is not None and PAGE_NAMESPACE in match.namespaces:
        ids.append(kwargs["pk"])
    if "object_id" in kwargs and "app_label" in kwargs and "model_name" in kwargs:
        try:
            model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
        except LookupError:
            model = None
        if model is not None and issubclass(model, Page):
            ids.append(kwargs["object_id"])
    return ids


def hide_closed_pages(view):
    """Wrap an admin view so that a page id it is given and may not show answers 404."""
    if getattr(view, "hides_closed_pages", False):
        return view

    @wraps(view)
    def guarded(request, *args, **kwargs):
        # Only once the person may use the admin: everyone else is sent to sign in, whatever
        # the id, so the answer tells them nothing either.
        if request.user.has_perm("wagtailadmin.access_admin"):
            for page_id in page_ids_in(request, kwargs):
                if not str(page_id).isdecimal():
                    raise Http404
                require_page_shown(request.user, page_id)
        return view(request, *args, **kwargs)

    guarded.hides_closed_pages = True
    return guarded
