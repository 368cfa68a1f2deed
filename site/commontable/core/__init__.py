"""The shared pieces the apps may import, one module each:

- ``addresses``: the addresses the site's own views answer, which no page may take;
- ``dates``: the range of dates the site accepts;
- ``errors``: ``ActionRefused``, the one domain error;
- ``filtering``: what the list filters share (full-text search, a default order);
- ``pagecache``: pages for visitors who are not signed in, served from the cache;
- ``pagination``: paging a filtered list, its filters kept;
- ``personal_data_registry``: everything the site keeps about a person;
- ``plain_text``: what typed text may hold, into and out of rich text;
- ``public_address``: the site's public host and absolute addresses, never a request's;
- ``ratelimit``: per-person rate limits kept in the shared cache;
- ``search``: what people type, made into a search the backends can run;
- ``spreadsheets``: CSV downloads, with the byte order mark Excel needs;
- ``visibility``: who may see which page, ``visible_to(user)``.

Dependencies point one way: ``recommendations`` → ``convenings`` → ``commontable.core``.
Nothing here imports an app or any other part of ``commontable``
(``tests/test_architecture.py`` walks the imports).
"""
