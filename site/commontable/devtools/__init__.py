"""Developer tooling: the demo content, scale data, the benchmark and its query counter.

Used by management commands and tests only; the running site never imports it. One
exception, for the benchmark's own server only: with ``BENCHMARK_QUERY_COUNT=1``,
``settings.py`` adds ``query_count.QueryCountMiddleware``, which reports each request's SQL
queries in a header (``manage.py benchmark`` sets it).
"""
