"""A GIN index for Wagtail's PostgreSQL search, on the expression it searches.

Wagtail's database search backend on PostgreSQL matches ``title || body``
against the query, which its own indexes (one on each column) cannot serve:
every search read every index entry of the model. This index on the very
expression turns that into an index lookup. SQLite searches with FTS5 and
needs none.
"""

from django.db import migrations

INDEX = "search_title_body_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("commontable", "0003_create_homepage"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
