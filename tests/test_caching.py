"""Pages for visitors who are not signed in come from the cache, and every change refreshes them."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from commontable.checks import page_cache_needs_a_shared_cache
from commontable.core import pagecache
from convenings.models import Corroboration, Need
from recommendations.models import RecommendationPage
from recommendations.stages import Stage
from tests.factories import (
    MembershipFactory,
    NeedFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
)

pytestmark = pytest.mark.django_db

NONCE_IN_HEADER = re.compile(r"'nonce-([^']+)'")
NONCE_IN_BODY = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def one_process(settings):
    """A test run is one process: its local-memory cache is one every request shares."""
    settings.PAGE_CACHE_SINGLE_PROCESS = True


def fetch(client, url, data=None, *, method="get", **extra):
    """A response with ``from_cache``: whether the page cache answered it.

    The cache says so only through its ``page_served`` signal (never to the
    client); a page it serves has touched no database at all.
    """
    served = []

    def record(sender, request, **kwargs):
        served.append(request)

    pagecache.page_served.connect(record)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, data, **extra)
    finally:
        pagecache.page_served.disconnect(record)
    response.from_cache = bool(served)
    if response.from_cache:
        assert len(queries) == 0, [query["sql"] for query in queries]
    return response


def visit(client, url, **extra):
    """Two requests in a row: the second is the one a later visitor gets."""
    return fetch(client, url, **extra), fetch(client, url, **extra)


@pytest.fixture
def recommendation(public_table):
    return RecommendationPageFactory(
        parent=public_table,
        title="Overnight drop-in",
        summary="A warm place at night.",
        cost_estimate=Decimal("1000"),
    )


@pytest.fixture
def need(public_table, organization):
    return NeedFactory(
        title="Safe storage lockers", round_table=public_table, organization=organization
    )


@pytest.fixture
def pages(public_table, upcoming, recommendation, need):
    """One address of each kind a visitor reads."""
    table = public_table.slug
    return [
        "/",
        "/round-tables/",
        public_table.url,
        upcoming.url,
        recommendation.url,
        reverse("need_list"),
        reverse("need_detail", args=[need.pk]),
        reverse("recommendation_list"),
        reverse("community_dashboard", args=[public_table.community.slug]),
        reverse("recommendation_feed"),
        reverse("recommendation_csv"),
        "/api/v1/recommendations",
        reverse("round_table_calendar", args=[table]),
    ]


def test_a_second_visit_is_served_from_the_cache_unchanged(client, pages):
    for url in pages:
        first, second = visit(client, url)
        assert first.status_code == 200, url
        assert not first.from_cache, url
        assert second.from_cache, url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url


def test_the_query_string_is_part_of_the_address(client, need):
    fetch(client, "/needs/")
    other = fetch(client, "/needs/", {"q": "lockers"})
    assert not other.from_cache
    assert fetch(client, "/needs/", {"q": "lockers"}).from_cache


def test_a_head_request_is_answered_from_the_cache_too(client, public_table):
    fetch(client, public_table.url)
    assert fetch(client, public_table.url, method="head").from_cache


# Every change a visitor could see makes the next visit a fresh page ----------------------


def test_publishing_a_page_refreshes_the_cache(client, public_table, recommendation):
    visit(client, public_table.url)
    RecommendationPageFactory(parent=public_table, title="Peer honoraria")
    response = fetch(client, public_table.url)
    assert not response.from_cache
    assert "Peer honoraria" in response.content.decode()


def test_unpublishing_a_page_refreshes_the_cache(client, public_table, recommendation):
    assert "Overnight drop-in" in visit(client, public_table.url)[1].content.decode()
    recommendation.unpublish()
    response = fetch(client, public_table.url)
    assert not response.from_cache
    assert "Overnight drop-in" not in response.content.decode()


def test_moving_a_page_refreshes_the_cache(client, public_table, upcoming):
    other = RoundTablePageFactory(title="Victoria table")
    assert "Spring convening" in visit(client, public_table.url)[1].content.decode()
    upcoming.move(other, pos="last-child")
    response = fetch(client, public_table.url)
    assert not response.from_cache
    assert "Spring convening" not in response.content.decode()


def test_deleting_a_page_refreshes_the_cache(client, public_table, upcoming):
    url = upcoming.url
    visit(client, url)
    upcoming.delete()
    response = fetch(client, url)
    assert response.status_code == 404
    assert not response.from_cache


def test_a_stage_change_refreshes_the_cache(client, recommendation, facilitator):
    visit(client, recommendation.url)
    recommendation.propose(by=facilitator)
    response = fetch(client, recommendation.url)
    assert not response.from_cache
    assert response.context["page"].stage == Stage.PROPOSED


def test_funding_refreshes_the_cache(client, recommendation, facilitator):
    RecommendationPage.objects.filter(pk=recommendation.pk).update(stage=Stage.ADOPTED)
    recommendation.refresh_from_db()
    visit(client, recommendation.url)
    recommendation.record_funding(
        by=facilitator,
        funder="Northern Health",
        amount=Decimal("250"),
        committed_on=timezone.localdate(),
    )
    response = fetch(client, recommendation.url)
    assert not response.from_cache
    assert "Northern Health" in response.content.decode()


def test_an_endorsement_and_its_withdrawal_refresh_the_cache(client, recommendation, organization):
    representative = MembershipFactory(organization=organization, can_represent=True).user
    visit(client, recommendation.url)
    recommendation.endorse(by=representative, organization=organization, statement="Yes.")
    assert organization.name in fetch(client, recommendation.url).content.decode()
    recommendation.withdraw_endorsement(by=representative, organization=organization)
    response = fetch(client, recommendation.url)
    assert not response.from_cache
    assert organization.name not in response.content.decode()


def test_a_need_posted_through_the_site_shows_at_once(client, member, organization, public_table):
    visit(client, "/needs/")
    poster = type(client)()
    poster.force_login(member)
    response = poster.post(
        reverse("need_create"),
        {
            "title": "Night bus to the shelter",
            "description": "No way back after the last bus.",
            "who_is_affected": "People leaving late shifts",
            "community": public_table.community.pk,
            "organization": organization.pk,
            "urgency": Need.Urgency.URGENT,
            "visibility": Need.Visibility.PUBLIC,
            "attribution": Need.Attribution.ORGANIZATION,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = fetch(client, "/needs/")
    assert not listing.from_cache
    assert "Night bus to the shelter" in listing.content.decode()


def test_an_edited_need_refreshes_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    visit(client, url)
    need.title = "Lockers and showers"
    need.save()
    response = fetch(client, url)
    assert not response.from_cache
    assert "Lockers and showers" in response.content.decode()


def test_corroborating_and_withdrawing_refresh_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    other = MembershipFactory()
    assert "No other organization has corroborated" in visit(client, url)[1].content.decode()
    need.corroborate(by=other.user, organization=other.organization)
    corroborated = fetch(client, url)
    assert not corroborated.from_cache
    assert other.organization.name in corroborated.content.decode()
    need.withdraw_corroboration(by=other.user, organization=other.organization)
    assert not Corroboration.objects.exists()
    withdrawn = fetch(client, url)
    assert not withdrawn.from_cache
    assert other.organization.name not in withdrawn.content.decode()


def test_a_registration_refreshes_the_places_left(client, upcoming, member):
    visit(client, upcoming.url)
    upcoming.register(user=member)
    response = fetch(client, upcoming.url)
    assert not response.from_cache
    assert response.context["places_left"] == 1


def test_making_a_table_members_only_takes_it_out_of_the_cache(client, public_table):
    assert visit(client, public_table.url)[1].from_cache
    public_table.members_only = True
    public_table.save_revision().publish()
    assert PageViewRestriction.objects.filter(page=public_table).exists()
    response = fetch(client, public_table.url)
    assert response.status_code != 200
    assert b"Prince George Table" not in fetch(client, "/round-tables/").content


def test_a_page_rendered_before_a_change_commits_is_not_served_after_it(
    client, need, django_capture_on_commit_callbacks
):
    url = reverse("need_detail", args=[need.pk])
    with django_capture_on_commit_callbacks() as on_commit:
        Need.objects.filter(pk=need.pk).update(title="Lockers and showers")
        pagecache.invalidate()
        # A visitor's request between the change and its commit fills the cache…
        assert not fetch(client, url).from_cache
        assert fetch(client, url).from_cache
    for callback in on_commit:
        callback()
    # …and the commit drops what it stored.
    assert not fetch(client, url).from_cache


# What is never stored or served -----------------------------------------------------------


def test_signed_in_people_are_never_served_a_cached_page(client, member, public_table):
    visit(client, public_table.url)
    client.force_login(member)
    response = fetch(client, public_table.url)
    assert not response.from_cache
    assert member.display_name in response.content.decode()


def test_a_signed_in_persons_page_is_never_stored(client, private_member, private_table):
    client.force_login(private_member)
    signed_in = fetch(client, "/round-tables/")
    assert "Hidden Peer Table" in signed_in.content.decode()
    visitor = type(client)()
    first, second = visit(visitor, "/round-tables/")
    assert not first.from_cache
    for response in (first, second):
        body = response.content.decode()
        assert "Hidden Peer Table" not in body
        assert private_member.display_name not in body


def test_members_only_content_never_reaches_a_cached_page(
    client, private_table, private_convening, public_table
):
    NeedFactory(
        title="Bad date list handover",
        round_table=private_table,
        visibility=Need.Visibility.MEMBERS,
    )
    for url in ["/", "/round-tables/", "/needs/", "/recommendations/", "/api/v1/needs"]:
        for response in visit(client, url):
            body = response.content.decode()
            assert "Hidden Peer Table" not in body, url
            assert "Secret safety planning" not in body, url
            assert "Bad date list handover" not in body, url
    for response in visit(client, private_convening.url):
        assert response.status_code != 200
        assert not response.from_cache


def test_not_found_pages_are_not_stored(client):
    first, second = visit(client, "/needs/999999/")
    assert first.status_code == second.status_code == 404
    assert not second.from_cache


def test_sign_in_admin_and_health_pages_are_never_cached(client):
    for url in ["/accounts/login/", "/admin/", "/healthz"]:
        for response in visit(client, url):
            assert not response.from_cache, url


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, public_table):
    visit(client, public_table.url)
    client.cookies["messages"] = "anything"
    assert not fetch(client, public_table.url).from_cache


def test_posts_are_never_answered_from_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    visit(client, url)
    assert not fetch(client, url, method="post").from_cache


def test_a_response_that_sets_a_cookie_or_stays_private_is_not_stored():
    request = HttpRequest()
    with_cookie = HttpResponse("page")
    with_cookie.set_cookie("csrftoken", "secret")
    private = HttpResponse("page", headers={"Cache-Control": "private"})
    language = HttpResponse("page", headers={"Vary": "Accept-Language"})
    for response in (with_cookie, private, language):
        assert not pagecache.AnonymousPageCacheMiddleware.may_store(request, response)
    assert pagecache.AnonymousPageCacheMiddleware.may_store(request, HttpResponse("page"))


# The Content-Security-Policy nonce ---------------------------------------------------------


@pytest.fixture
def page_with_a_script(settings, tmp_path):
    """The home page with a script that runs only with the response's nonce."""
    (tmp_path / "commontable").mkdir()
    (tmp_path / "commontable" / "home_page.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>{% endblock %}'
        '{% block extra_body %}<script src="/static/enhance.js" nonce="{{ csp_nonce }}"></script>'
        "{% endblock %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    return "/"


def test_a_cached_page_carries_a_fresh_nonce_that_matches_its_policy(client, page_with_a_script):
    first, second = visit(client, page_with_a_script)
    assert (first.from_cache, second.from_cache) == (False, True)
    nonces = []
    for response in (first, second):
        in_header = NONCE_IN_HEADER.findall(response["Content-Security-Policy"])
        in_body = NONCE_IN_BODY.findall(response.content.decode())
        assert len(in_header) == len(in_body) == 1
        assert in_body == in_header
        nonces.append(in_header[0])
    # Each response gets its own nonce, so nobody can learn one and reuse it.
    assert nonces[0] != nonces[1]
    assert second.content.replace(nonces[1].encode(), nonces[0].encode()) == first.content


# Redis, and a cache that is down ----------------------------------------------------------


@pytest.fixture
def redis_cache(settings, cache_redis_url):
    """The site's cache in a real Redis, emptied before and after the test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_redis_url,
            "KEY_PREFIX": "commontable-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_pages_are_shared_and_refreshed_through_redis(client, redis_cache, need):
    url = reverse("need_detail", args=[need.pk])
    first, second = visit(client, url)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.content == first.content
    need.title = "Lockers and showers"
    need.save()
    response = fetch(client, url)
    assert not response.from_cache
    assert "Lockers and showers" in response.content.decode()


class CacheThatIsDown:
    """Every call fails, as Django's Redis cache does while Redis is unreachable."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


def test_pages_and_changes_still_work_when_the_page_cache_is_down(
    client, monkeypatch, need, caplog
):
    monkeypatch.setattr(pagecache, "page_cache", CacheThatIsDown)
    url = reverse("need_detail", args=[need.pk])
    response = fetch(client, url)
    assert response.status_code == 200
    assert "Safe storage lockers" in response.content.decode()
    assert not response.from_cache
    assert "Page cache unavailable" in caplog.text
    need.title = "Lockers and showers"
    need.save()
    assert "Lockers and showers" in fetch(client, url).content.decode()


def test_nothing_is_cached_when_the_cache_time_is_zero(settings, client, public_table):
    settings.PAGE_CACHE_SECONDS = 0
    for response in visit(client, public_table.url):
        assert response.status_code == 200
        assert not response.from_cache


def test_renaming_an_organization_refreshes_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    visit(client, url)
    need.organization.name = "Renamed society"
    need.organization.save()
    response = fetch(client, url)
    assert not response.from_cache
    assert "Renamed society" in response.content.decode()


# What the client is told, and a cache kept in each process --------------------------------


def test_no_response_tells_the_client_whether_it_came_from_the_cache(client, pages):
    for url in pages:
        first, second = visit(client, url)
        assert second.from_cache, url
        for response in (first, second):
            assert "X-Cache" not in response, url
            assert "Age" not in response, url


def test_a_search_served_from_the_cache_looks_like_a_fresh_one(client, need):
    fresh = fetch(client, "/search/", {"q": "lockers"})
    again = fetch(client, "/search/", {"q": "lockers"})
    assert again.from_cache
    assert sorted(name.lower() for name, _ in fresh.items()) == sorted(
        name.lower() for name, _ in again.items()
    )


def test_a_cache_kept_in_each_process_serves_no_pages(settings, client, need):
    settings.PAGE_CACHE_SINGLE_PROCESS = False
    url = reverse("need_detail", args=[need.pk])
    first, second = visit(client, url)
    assert first.status_code == second.status_code == 200
    assert not first.from_cache and not second.from_cache


def test_a_need_made_members_only_elsewhere_is_not_served_from_this_process(
    settings, client, need, private_table
):
    """Another process's change reaches only its own local memory, never this one's."""
    settings.PAGE_CACHE_SINGLE_PROCESS = False
    url = reverse("need_detail", args=[need.pk])
    assert "Safe storage lockers" in fetch(client, url).content.decode()
    # As another process would write it: nothing in this process hears of the change.
    Need.objects.filter(pk=need.pk).update(
        round_table=private_table, visibility=Need.Visibility.MEMBERS
    )
    response = fetch(client, url)
    assert response.status_code == 404
    assert "Safe storage lockers" not in response.content.decode()


def test_deploy_check_refuses_a_page_cache_kept_in_each_process(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for single_process in (False, True):
        settings.PAGE_CACHE_SINGLE_PROCESS = single_process
        found = page_cache_needs_a_shared_cache(None)
        assert [(m.id, m.level) for m in found] == [("commontable.E001", 40)]
    with pytest.raises(SystemCheckError, match=r"commontable\.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_deploy_check_accepts_a_shared_cache_or_no_page_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PAGE_CACHE_SECONDS = 0
    assert page_cache_needs_a_shared_cache(None) == []
    settings.PAGE_CACHE_SECONDS = 300
    # Only the settings are read: nothing connects to this address.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert page_cache_needs_a_shared_cache(None) == []


def test_redis_alone_turns_the_page_cache_on(settings, client, redis_cache, need):
    settings.PAGE_CACHE_SINGLE_PROCESS = False
    url = reverse("need_detail", args=[need.pk])
    assert visit(client, url)[1].from_cache
