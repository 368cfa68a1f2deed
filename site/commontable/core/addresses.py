"""Addresses the site's own views answer, which no page may take.

The site's own views (needs, feeds, calendars, scheduling, sign-in, the
admin) are URL patterns placed before Wagtail's page serving, so a page at
one of their addresses would never be shown. A page that may hold pages,
at a fixed word of such a route (a round table at ``archive`` beside a
``round-tables/archive/<int:year>/`` route), would lose the addresses beneath
it to that route; a page that holds none loses nothing there. Both are
refused when a page is saved, and when the admin creates or copies one. The
URLconf itself is the list of reserved addresses: a route added there is
reserved at once, with nothing else to keep in step.
"""

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLResolver,
    get_resolver,
    get_script_prefix,
    resolve,
    reverse,
)
from django.utils.regex_helper import normalize
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Site

# The name of Wagtail's view that serves pages: every address it answers is a page's.
SERVE = "wagtail_serve"

Words = tuple[str | None, ...]


def _words(path: str) -> Words:
    """A path's segments; in a route, None stands for a placeholder (``<slug:table>``)."""
    return tuple(
        None if "%(" in segment else segment.replace("%%", "%")
        for segment in path.split("/")
        if segment
    )


@lru_cache(maxsize=8)
def _routes(resolver: URLResolver) -> frozenset[Words]:
    """Every route of the site's own views under ``resolver``, Wagtail's page serving left out."""
    routes = set()

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            for text, _ in normalize(entry.pattern.regex.pattern):
                if isinstance(entry, URLResolver):
                    walk(entry.url_patterns, prefix + text)
                elif entry.name != SERVE:
                    routes.add(_words(prefix + text))

    walk(resolver.url_patterns, "")
    return frozenset(routes)


def _address(url_path: str) -> str | None:
    """Where a page with this ``url_path`` is served, or None when it is in no site."""
    for root in Site.get_site_root_paths():
        if url_path.startswith(root.root_path):
            try:
                return reverse(SERVE, args=(url_path[len(root.root_path) :],))
            except NoReverseMatch:
                return None
    return None


def _answered_by_a_view(path: str) -> bool:
    try:
        return resolve(path).url_name != SERVE
    except Resolver404:
        return False


def _a_fixed_word_of_a_route(path: str) -> bool:
    """Whether the path's last segment is a fixed word of a route that its earlier ones fit."""
    words = _words(path)
    if not words:
        return False
    *before, last = words
    return any(
        len(route) >= len(words)
        and route[len(before)] == last
        and all(fixed in (None, word) for fixed, word in zip(route, before, strict=False))
        for route in _routes(get_resolver())
    )


def address_refusal(parent, slug: str, page_type) -> str | None:
    """Why a page of ``page_type`` with ``slug`` under ``parent`` may not be there; None if it may.

    Refused when one of the site's own views answers the page's address, or
    when the address is a fixed word of one of their routes and a page of
    this type may hold pages, which that route would shadow. The page whose
    address the routes are built on (``site_routes_beneath``) is exempt
    from the second: they answer beneath it by design.
    """
    if not slug or parent is None:
        return None
    address = _address(parent.url_path + slug + "/")
    if address is None:
        return None
    path = "/" + address.removeprefix(get_script_prefix())
    holds_pages = bool(page_type.allowed_subpage_models())
    shadows_its_pages = holds_pages and not page_type.site_routes_beneath
    if _answered_by_a_view(path) or (shadows_its_pages and _a_fixed_word_of_a_route(path)):
        return f"{address} is an address the site itself uses; choose another slug."
    return None


class OwnAddressPageForm(WagtailAdminPageForm):
    """The admin's page form, which checks a new page's address before it is created.

    While the admin's form validates a new page, the page has no place in
    the tree yet, so its ``clean()`` cannot tell its address; the form
    knows the parent. A page already in the tree is checked by its ``clean()``.
    """

    def clean(self):
        cleaned_data = super().clean()
        page = self.instance
        if not page.path and cleaned_data.get("slug"):
            refusal = address_refusal(self.parent_page, cleaned_data["slug"], type(page))
            if refusal:
                self.add_error("slug", refusal)
        return cleaned_data


class OwnAddressPageMixin:
    """For the site's page types: a page may not take an address the site's own views use.

    ``clean()`` refuses it: Wagtail runs it whenever a live page is saved or
    published, and whenever the admin validates an edit. The admin's create
    form (``OwnAddressPageForm``, or a subclass) checks a page not yet made;
    Wagtail's copy, which saves without ``clean()``, is checked by the
    ``before_copy_page`` hook of ``commontable.pages.wagtail_hooks``.
    """

    base_form_class = OwnAddressPageForm
    # True only on the page whose address the site's routes are built on: they
    # answer beneath it by design. Its own address is still checked.
    site_routes_beneath = False

    def clean(self):
        super().clean()
        refusal = address_refusal(self.get_parent(), self.slug, type(self))
        if refusal:
            raise ValidationError({"slug": refusal})
