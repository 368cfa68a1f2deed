"""Create /round-tables/, the parent of every round table."""

from django.db import migrations


def create_index(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("commontable.HomePage")
    RoundTableIndexPage = apps.get_model("convenings.RoundTableIndexPage")

    home = HomePage.objects.first()
    if home is None or RoundTableIndexPage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(
        model="roundtableindexpage", app_label="convenings"
    )
    RoundTableIndexPage.objects.create(
        title="Round tables",
        draft_title="Round tables",
        slug="round-tables",
        content_type=content_type,
        path=home.path + "0001",
        depth=home.depth + 1,
        numchild=0,
        url_path=home.url_path + "round-tables/",
        locale_id=home.locale_id,
        introduction=(
            "<p>Each round table is one community's standing table. Its convenings "
            "are open to members; its work is public unless the table is members only.</p>"
        ),
    )
    Page.objects.filter(pk=home.pk).update(numchild=1)


def remove_index(apps, schema_editor):
    apps.get_model("convenings.RoundTableIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("convenings", "0001_initial"),
        ("commontable", "0003_create_homepage"),
    ]

    operations = [migrations.RunPython(create_index, remove_index)]
