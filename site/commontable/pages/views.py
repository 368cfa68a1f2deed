"""The site's own views: health check, search and the server error page."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from wagtail.models import Page

from commontable.core.search import search_terms
from commontable.core.visibility import VisiblePageQuerySet

DATABASE_DOWN = (OperationalError, InterfaceError)


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def search(request):
    """Full-text search over the pages this visitor may read."""
    query = request.GET.get("q", "").strip()[:200]
    terms = search_terms(query)
    results = []
    if terms:
        pages = VisiblePageQuerySet(Page).visible_to(request.user).specific()
        results = pages.search(terms)[:50]
    return render(request, "commontable/search.html", {"query": query, "results": results})


def server_error(request):
    """A friendly page: 503 while the database is unreachable, 500 for anything else."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "10"
        return response
    return render(request, "500.html", status=500)
