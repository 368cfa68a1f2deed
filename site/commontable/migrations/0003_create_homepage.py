"""Replace Wagtail's welcome page with the Common Table home page."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("commontable.HomePage")

    if HomePage.objects.exists():
        return
    Page.objects.filter(depth=2, slug="home").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="commontable")
    locale = Locale.objects.order_by("pk").first()
    home = HomePage.objects.create(
        title="Common Table",
        draft_title="Common Table",
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        introduction=(
            "<p>Frontline providers, peer-led organizations and municipal officials "
            "meet at local round tables, write down what their communities need and "
            "follow each recommendation from proposal to council decision to funding.</p>"
        ),
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Common Table"},
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("commontable.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commontable", "0002_homepage"),
        ("wagtailcore", "0001_initial"),
    ]
    run_before = []

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
