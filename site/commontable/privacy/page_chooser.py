"""The admin's page chooser, opened only on pages the editor may read.

Wagtail's chooser lists pages through the ``construct_page_chooser_queryset``
hook (see ``commontable.privacy.wagtail_hooks``), but it shows the page it is opened on,
and the pages it is told were chosen, without asking: anyone with admin access,
such as another table's facilitator, could read a members-only table's title
and address by its id. These two views apply the same rule first; the site's
URLs put them in front of Wagtail's.
"""

from django.http import Http404
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import chooser
from wagtail.models import Page

from commontable.core.visibility import VisiblePageQuerySet


def choosable_pages(user):
    """The pages this editor may see in the chooser: none inside a section closed to them."""
    return Page.objects.exclude(VisiblePageQuerySet(Page).hidden_from_q(user))


class BrowseView(chooser.BrowseView):
    """A page's children, if the editor may read the page itself."""

    def get(self, request, parent_page_id=None):
        if parent_page_id is not None and not (
            choosable_pages(request.user).filter(pk=parent_page_id).exists()
        ):
            raise Http404
        return super().get(request, parent_page_id)


class ChosenMultipleView(chooser.ChosenMultipleView):
    """The chosen pages, without those the editor may not read."""

    def get(self, request):
        ids = [pk for pk in request.GET.getlist("id") if pk.isdecimal()]
        allowed = choosable_pages(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        # Wagtail's view builds the answer from the ids in the query string.
        request.GET = request.GET.copy()
        request.GET.setlist("id", [str(pk) for pk in allowed])
        return super().get(request)


browse = require_admin_access(never_cache(BrowseView.as_view()))
chosen_multiple = require_admin_access(never_cache(ChosenMultipleView.as_view()))
