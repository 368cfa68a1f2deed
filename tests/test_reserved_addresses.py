"""A page may not take an address the site's own views answer.

The site's own views (needs, feeds, calendars, scheduling, sign-in, the
admin) come before Wagtail's pages in the URLconf, so a page at one of their
addresses would never be shown, and a page that may hold pages, at a fixed
word they answer beneath, would lose its own sub-addresses to them. Saving
such a page is refused with a message naming the address, and nothing is
saved: by a save, a published revision, the admin's create and edit forms
and the admin's copy. The addresses come from the URLconf itself: a route
added there is reserved at once (the last tests add some).
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from commontable import urls as site_urls
from commontable.models import HomePage
from convenings.models import ROUND_TABLES_SLUG, ConveningPage, RoundTableIndexPage, RoundTablePage
from recommendations.models import RecommendationPage
from tests.factories import (
    ConveningPageFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    UserFactory,
)

SOON = timezone.now() + timedelta(days=7)


def convening(slug: str) -> ConveningPage:
    return ConveningPage(
        title="A convening", slug=slug, starts_at=SOON, ends_at=SOON + timedelta(hours=2)
    )


def recommendation(slug: str) -> RecommendationPage:
    return RecommendationPage(title="A recommendation", slug=slug, summary="A local solution.")


def refusal(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.message_dict["slug"])


@pytest.mark.parametrize("make", [convening, recommendation], ids=["convening", "recommendation"])
def test_a_page_under_a_table_at_one_of_the_tables_own_addresses_is_refused(public_table, make):
    model = type(make("feed"))
    before = model.objects.count()

    with pytest.raises(ValidationError) as error:
        public_table.add_child(instance=make("feed"))  # the table's Atom feed

    assert "/round-tables/pg-table/feed/" in refusal(error)
    assert "choose another slug" in refusal(error)
    assert model.objects.count() == before
    public_table.refresh_from_db()
    assert public_table.get_children_count() == 0


@pytest.mark.parametrize("make", [convening, recommendation], ids=["convening", "recommendation"])
def test_a_page_that_holds_no_pages_may_take_a_fixed_word_of_a_route(public_table, make):
    # /round-tables/<table>/convenings/new/ is the scheduling form's: a page at
    # .../convenings/ holds no pages beneath it for that route to shadow.
    page = public_table.add_child(instance=make("convenings"))

    assert page.url == "/round-tables/pg-table/convenings/"
    assert reverse("convening_create", kwargs={"table": public_table.slug}) == (page.url + "new/")


@pytest.mark.parametrize("make", [convening, recommendation], ids=["convening", "recommendation"])
def test_an_ordinary_address_under_a_table_saves(public_table, make):
    page = public_table.add_child(instance=make("spring-gathering"))

    assert page.url == "/round-tables/pg-table/spring-gathering/"
    # Addresses that only start like a reserved word are ordinary ones.
    public_table.add_child(instance=make("feedback"))
    public_table.add_child(instance=make("convenings-of-the-north"))
    assert public_table.get_children_count() == 3


def test_renaming_a_published_page_to_a_reserved_address_is_refused(public_table):
    page = RecommendationPageFactory(parent=public_table, slug="warming-centre")

    page.slug = "feed"
    with pytest.raises(ValidationError) as error:
        page.save_revision().publish()

    assert "/round-tables/pg-table/feed/" in refusal(error)
    assert RecommendationPage.objects.get(pk=page.pk).url_path.endswith("/warming-centre/")


def test_a_new_round_table_at_an_ordinary_address_saves(db):
    table = RoundTablePageFactory(slug="north-east-bc")

    assert table.url == "/round-tables/north-east-bc/"


@pytest.mark.parametrize("slug", ["needs", "accounts", "tables"])
def test_the_round_tables_index_keeps_its_address(db, slug):
    index = RoundTableIndexPage.objects.get()

    index.slug = slug
    with pytest.raises(ValidationError) as error:
        index.full_clean()

    assert f"keeps the address /{ROUND_TABLES_SLUG}/" in refusal(error)
    index.refresh_from_db()
    assert index.slug == ROUND_TABLES_SLUG


def test_a_home_child_at_the_needs_address_names_the_address(db):
    index = RoundTableIndexPage.objects.get()

    index.slug = "needs"
    with pytest.raises(ValidationError) as error:
        index.save()

    assert "/needs/ is an address the site itself uses" in refusal(error)
    assert RoundTableIndexPage.objects.get().url == f"/{ROUND_TABLES_SLUG}/"


def test_the_round_tables_index_is_at_the_address_the_sub_routes_use(public_table, upcoming):
    index = RoundTableIndexPage.objects.get()
    index.full_clean()  # its own address is the prefix, by design

    assert index.url == f"/{ROUND_TABLES_SLUG}/"
    assert index.get_parent().specific_class is HomePage
    assert reverse("round_table_feed", kwargs={"table": public_table.slug}) == (
        public_table.url + "feed/"
    )
    assert reverse(
        "convening_register", kwargs={"table": public_table.slug, "convening": upcoming.slug}
    ) == (upcoming.url + "register/")


def test_scheduling_from_the_site_takes_the_next_free_address(public_table, facilitator):
    fields = {"starts_at": SOON, "ends_at": SOON + timedelta(hours=2)}

    feed = public_table.schedule_convening(by=facilitator, title="Feed", **fields)
    convenings = public_table.schedule_convening(by=facilitator, title="Convenings", **fields)

    assert feed.slug == "feed-2"
    assert feed.url == "/round-tables/pg-table/feed-2/"
    assert convenings.slug == "convenings"  # a convening holds no pages for a route to shadow


def convening_form(slug: str) -> dict:
    """The admin's convening form, filled in and published, with this slug."""
    start = timezone.localtime(SOON)
    return nested_form_data(
        {
            "title": "Spring gathering",
            "slug": slug,
            "starts_at": start.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "time_zone": "America/Vancouver",
            "format": ConveningPage.Format.IN_PERSON,
            "agenda": streamfield([]),
            "minutes": rich_text(""),
            "attendance": inline_formset([]),
            "action-publish": "action-publish",
        }
    )


@pytest.fixture
def superuser_client(db, client):
    client.force_login(UserFactory(is_superuser=True, with_totp=True))
    return client


def test_the_admins_create_view_refuses_a_reserved_address_and_saves_an_ordinary_one(
    superuser_client, public_table
):
    add = f"/admin/pages/add/convenings/conveningpage/{public_table.pk}/"

    def post(slug):
        return superuser_client.post(add, convening_form(slug))

    refused = post("feed")

    assert refused.status_code == 200
    assert refused.context["form"].errors["slug"] == [
        "/round-tables/pg-table/feed/ is an address the site itself uses; choose another slug."
    ]
    assert "/round-tables/pg-table/feed/ is an address the site itself uses" in (
        refused.content.decode()
    )
    assert not ConveningPage.objects.exists()

    saved = post("spring-gathering")

    assert saved.status_code == 302
    assert ConveningPage.objects.get().url == "/round-tables/pg-table/spring-gathering/"


def test_publishing_an_edit_at_a_reserved_address_in_the_admin_is_refused(
    superuser_client, public_table
):
    page = ConveningPageFactory(parent=public_table, slug="spring-gathering")
    revisions = page.revisions.count()
    edit = f"/admin/pages/{page.pk}/edit/"

    refused = superuser_client.post(edit, convening_form("feed"))

    assert refused.status_code == 200
    assert refused.context["form"].errors["slug"] == [
        "/round-tables/pg-table/feed/ is an address the site itself uses; choose another slug."
    ]
    page.refresh_from_db()
    assert page.url == "/round-tables/pg-table/spring-gathering/"
    assert page.revisions.count() == revisions

    published = superuser_client.post(edit, convening_form("spring-gathering-2"))

    assert published.status_code == 302
    page.refresh_from_db()
    assert page.url == "/round-tables/pg-table/spring-gathering-2/"


@pytest.mark.parametrize(
    "make", [ConveningPageFactory, RecommendationPageFactory], ids=["convening", "recommendation"]
)
@pytest.mark.parametrize("alias", [False, True], ids=["copy", "alias"])
def test_the_admins_copy_refuses_a_reserved_address_and_copies_nothing(
    superuser_client, public_table, make, alias
):
    page = make(parent=public_table, slug="warming-centre")
    copy = f"/admin/pages/{page.pk}/copy/"

    def post(slug):
        form = {
            "new_title": "Warming centre, again",
            "new_slug": slug,
            "new_parent_page": public_table.pk,
            "publish_copies": "on",
        }
        return superuser_client.post(copy, {**form, "alias": "on"} if alias else form)

    refused = post("feed")

    assert refused.status_code == 302
    assert refused.url == copy
    assert (
        "/round-tables/pg-table/feed/ is an address the site itself uses; choose another slug."
    ) in superuser_client.get(copy).content.decode()
    assert not Page.objects.filter(slug="feed").exists()
    assert public_table.get_children_count() == 1

    copied = post("warming-centre-2")

    assert copied.status_code == 302
    made = type(page).objects.get(slug="warming-centre-2")
    assert made.live
    assert made.url == "/round-tables/pg-table/warming-centre-2/"


def _report(request, **kwargs):
    return HttpResponse("The site's own page")


# The site's URLconf with three more routes of its own, before Wagtail's pages.
urlpatterns = [
    path(f"{ROUND_TABLES_SLUG}/annual-report/", _report),
    path(f"{ROUND_TABLES_SLUG}/archive/<int:year>/", _report),
    path(f"{ROUND_TABLES_SLUG}/<slug:table>/minutes/", _report),
    *site_urls.urlpatterns,
]


@pytest.mark.parametrize(
    "slug, address",
    [
        ("annual-report", "/round-tables/annual-report/"),  # the route itself
        ("archive", "/round-tables/archive/"),  # a fixed word routes answer beneath
    ],
)
def test_a_route_added_to_the_urlconf_is_reserved_at_once(settings, db, slug, address):
    RoundTablePageFactory(slug=slug)  # ordinary until the route exists
    RoundTablePage.objects.get(slug=slug).delete()
    settings.ROOT_URLCONF = __name__

    with pytest.raises(ValidationError) as error:
        RoundTablePageFactory(slug=slug)

    assert f"{address} is an address the site itself uses" in refusal(error)
    assert not RoundTablePage.objects.filter(slug=slug).exists()


def test_a_route_reserves_its_fixed_words_only_not_its_placeholders(settings, public_table):
    settings.ROOT_URLCONF = __name__

    # Every table's minutes/ is the site's: no page under a table may take it...
    with pytest.raises(ValidationError) as error:
        ConveningPageFactory(parent=public_table, slug="minutes")
    assert "/round-tables/pg-table/minutes/ is an address the site itself uses" in refusal(error)
    # ...while the table's own slug, a placeholder in that route, stays free.
    assert RoundTablePageFactory(slug="minutes").url == "/round-tables/minutes/"
