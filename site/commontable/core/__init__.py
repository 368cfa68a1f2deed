"""The shared pieces the apps may import: errors, visibility, search, plain text, filtering,
pagination, rate limits, the page cache and the personal-data registry.

Dependencies point one way: ``recommendations`` → ``convenings`` → ``commontable.core``.
Nothing here imports an app or any other part of ``commontable``
(``tests/test_architecture.py`` walks the imports).
"""
