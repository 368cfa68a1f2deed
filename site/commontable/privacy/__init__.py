"""The Wagtail admin under the site's one visibility rule.

Wagtail's admin checks what a person may *edit*; these modules make it show only what
the person may *see* (``rule.pages_shown_in_admin``): the explorer, the editor's choosers,
revisions, reports, tags, the dashboard and bulk actions. Page links in rich text go
through ``page_links`` so no address of a page closed to the reader is ever printed.
"""
