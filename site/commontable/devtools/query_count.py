"""Counting a request's SQL queries, for the benchmark's own server."""

from django.db import connection


class QueryCountMiddleware:
    """Say in an ``X-Query-Count`` header how many SQL queries the request made.

    Only the benchmark's own server turns it on (``BENCHMARK_QUERY_COUNT=1``),
    first in the list, so it counts every query the production stack makes for
    a request: sessions, authentication, the view and its templates. A page
    served from the page cache counts as it is served, with no queries, and
    only here is that said in an ``X-Cache`` header: a deployment never tells
    a client what the cache held (commontable.core.pagecache).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["X-Query-Count"] = str(queries)
        response["X-Cache"] = "hit" if getattr(request, "served_from_page_cache", False) else "miss"
        return response
