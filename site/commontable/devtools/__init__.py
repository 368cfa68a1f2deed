"""Developer tooling: the demo content, scale data, the benchmark and its query counter.

Used by management commands and tests only; the running site never imports it.
"""
