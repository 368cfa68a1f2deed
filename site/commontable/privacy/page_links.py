"""Links to pages inside rich text, under the visibility rule.

Wagtail writes a page link in rich text (minutes, a table's purpose) as the
linked page's address, whoever reads it: a link in public minutes to a
members-only convening would show visitors that convening's address, and a
link to a page that does not exist renders differently from one to a hidden
page. Rich text is rendered without knowing who reads it, so a link to
anything but a live public page is written as ``/pages/<id>/``, the same for
hidden and missing pages; that address sends each reader on only if they
may see the page, and answers 404 otherwise.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import Page
from wagtail.rich_text.pages import PageLinkHandler

from commontable.core.visibility import VisiblePageQuerySet, closed_sections


class VisiblePageLinkHandler(PageLinkHandler):
    """Wagtail's page links, naming directly only the pages every visitor may read."""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        closed = closed_sections(AnonymousUser())
        links = []
        for attrs, page in zip(attrs_list, cls.get_many(attrs_list), strict=True):
            page_id = str(attrs.get("id", ""))
            if page and page.live and not any(page.path.startswith(path) for path in closed):
                links.append(f'<a href="{escape(page.localized.url)}">')
            elif page_id.isdecimal() and page_id.isascii() and int(page_id) < 2**63:
                links.append(f'<a href="{reverse("page_link", args=[int(page_id)])}">')
            else:
                links.append("<a>")
        return links


def page_link(request, page_id: int):
    """Send a reader to a linked page if they may see it; 404, as for a missing page, if not."""
    page = VisiblePageQuerySet(Page).visible_to(request.user).filter(pk=page_id).first()
    if page is None:
        raise Http404
    return redirect(page.url)
