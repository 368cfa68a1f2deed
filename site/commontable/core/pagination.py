"""Paging a filtered list while keeping its filters in the query string."""

from django.core.paginator import Paginator

PER_PAGE = 20


def paginate(request, queryset, per_page: int = PER_PAGE) -> dict:
    """The page asked for (or the nearest), and the query string without ``page``."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_obj": page, "query_without_page": query.urlencode(), "query": query.urlencode()}
