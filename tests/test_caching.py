"""Pages for visitors who are not signed in come from the cache, and every change refreshes them."""

import re
import socket
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from commontable import pagecache
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


def visit(client, url, **extra):
    """Two requests in a row: the second is the one a later visitor gets."""
    return client.get(url, **extra), client.get(url, **extra)


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
        assert first["X-Cache"] == "miss", url
        assert second["X-Cache"] == "hit", url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url


def test_the_query_string_is_part_of_the_address(client, need):
    client.get("/needs/")
    other = client.get("/needs/", {"q": "lockers"})
    assert other["X-Cache"] == "miss"
    assert client.get("/needs/", {"q": "lockers"})["X-Cache"] == "hit"


def test_a_head_request_is_answered_from_the_cache_too(client, public_table):
    client.get(public_table.url)
    assert client.head(public_table.url)["X-Cache"] == "hit"


# Every change a visitor could see makes the next visit a fresh page ----------------------


def test_publishing_a_page_refreshes_the_cache(client, public_table, recommendation):
    visit(client, public_table.url)
    RecommendationPageFactory(parent=public_table, title="Peer honoraria")
    response = client.get(public_table.url)
    assert response["X-Cache"] == "miss"
    assert "Peer honoraria" in response.content.decode()


def test_unpublishing_a_page_refreshes_the_cache(client, public_table, recommendation):
    assert "Overnight drop-in" in visit(client, public_table.url)[1].content.decode()
    recommendation.unpublish()
    response = client.get(public_table.url)
    assert response["X-Cache"] == "miss"
    assert "Overnight drop-in" not in response.content.decode()


def test_moving_a_page_refreshes_the_cache(client, public_table, upcoming):
    other = RoundTablePageFactory(title="Victoria table")
    assert "Spring convening" in visit(client, public_table.url)[1].content.decode()
    upcoming.move(other, pos="last-child")
    response = client.get(public_table.url)
    assert response["X-Cache"] == "miss"
    assert "Spring convening" not in response.content.decode()


def test_deleting_a_page_refreshes_the_cache(client, public_table, upcoming):
    url = upcoming.url
    visit(client, url)
    upcoming.delete()
    response = client.get(url)
    assert response.status_code == 404
    assert response["X-Cache"] == "miss"


def test_a_stage_change_refreshes_the_cache(client, recommendation, facilitator):
    visit(client, recommendation.url)
    recommendation.propose(by=facilitator)
    response = client.get(recommendation.url)
    assert response["X-Cache"] == "miss"
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
    response = client.get(recommendation.url)
    assert response["X-Cache"] == "miss"
    assert "Northern Health" in response.content.decode()


def test_an_endorsement_and_its_withdrawal_refresh_the_cache(client, recommendation, organization):
    representative = MembershipFactory(organization=organization, can_represent=True).user
    visit(client, recommendation.url)
    recommendation.endorse(by=representative, organization=organization, statement="Yes.")
    assert organization.name in client.get(recommendation.url).content.decode()
    recommendation.withdraw_endorsement(by=representative, organization=organization)
    response = client.get(recommendation.url)
    assert response["X-Cache"] == "miss"
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
    listing = client.get("/needs/")
    assert listing["X-Cache"] == "miss"
    assert "Night bus to the shelter" in listing.content.decode()


def test_an_edited_need_refreshes_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    visit(client, url)
    need.title = "Lockers and showers"
    need.save()
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "Lockers and showers" in response.content.decode()


def test_corroborating_and_withdrawing_refresh_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    other = MembershipFactory()
    assert "No other organization has corroborated" in visit(client, url)[1].content.decode()
    need.corroborate(by=other.user, organization=other.organization)
    corroborated = client.get(url)
    assert corroborated["X-Cache"] == "miss"
    assert other.organization.name in corroborated.content.decode()
    need.withdraw_corroboration(by=other.user, organization=other.organization)
    assert not Corroboration.objects.exists()
    withdrawn = client.get(url)
    assert withdrawn["X-Cache"] == "miss"
    assert other.organization.name not in withdrawn.content.decode()


def test_a_registration_refreshes_the_places_left(client, upcoming, member):
    visit(client, upcoming.url)
    upcoming.register(user=member)
    response = client.get(upcoming.url)
    assert response["X-Cache"] == "miss"
    assert response.context["places_left"] == 1


def test_making_a_table_members_only_takes_it_out_of_the_cache(client, public_table):
    assert visit(client, public_table.url)[1]["X-Cache"] == "hit"
    public_table.members_only = True
    public_table.save_revision().publish()
    assert PageViewRestriction.objects.filter(page=public_table).exists()
    response = client.get(public_table.url)
    assert response.status_code != 200
    assert b"Prince George Table" not in client.get("/round-tables/").content


def test_a_page_rendered_before_a_change_commits_is_not_served_after_it(
    client, need, django_capture_on_commit_callbacks
):
    url = reverse("need_detail", args=[need.pk])
    with django_capture_on_commit_callbacks() as on_commit:
        Need.objects.filter(pk=need.pk).update(title="Lockers and showers")
        pagecache.invalidate()
        # A visitor's request between the change and its commit fills the cache…
        assert client.get(url)["X-Cache"] == "miss"
        assert client.get(url)["X-Cache"] == "hit"
    for callback in on_commit:
        callback()
    # …and the commit drops what it stored.
    assert client.get(url)["X-Cache"] == "miss"


# What is never stored or served -----------------------------------------------------------


def test_signed_in_people_are_never_served_a_cached_page(client, member, public_table):
    visit(client, public_table.url)
    client.force_login(member)
    response = client.get(public_table.url)
    assert "X-Cache" not in response
    assert member.display_name in response.content.decode()


def test_a_signed_in_persons_page_is_never_stored(client, private_member, private_table):
    client.force_login(private_member)
    signed_in = client.get("/round-tables/")
    assert "Hidden Peer Table" in signed_in.content.decode()
    visitor = type(client)()
    first, second = visit(visitor, "/round-tables/")
    assert first["X-Cache"] == "miss"
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
        assert "X-Cache" not in response or response["X-Cache"] == "miss"


def test_not_found_pages_are_not_stored(client):
    first, second = visit(client, "/needs/999999/")
    assert first.status_code == second.status_code == 404
    assert second["X-Cache"] == "miss"


def test_sign_in_admin_and_health_pages_are_never_cached(client):
    for url in ["/accounts/login/", "/admin/", "/healthz"]:
        for response in visit(client, url):
            assert "X-Cache" not in response, url


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, public_table):
    visit(client, public_table.url)
    client.cookies["messages"] = "anything"
    assert "X-Cache" not in client.get(public_table.url)


def test_posts_are_never_answered_from_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    visit(client, url)
    assert "X-Cache" not in client.post(url)


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
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
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


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache(settings):
    if not redis_answers():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379, so the shared-cache test cannot run")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/7",
            "KEY_PREFIX": "commontable-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_pages_are_shared_and_refreshed_through_redis(client, redis_cache, need):
    url = reverse("need_detail", args=[need.pk])
    first, second = visit(client, url)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    need.title = "Lockers and showers"
    need.save()
    response = client.get(url)
    assert response["X-Cache"] == "miss"
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
    response = client.get(url)
    assert response.status_code == 200
    assert "Safe storage lockers" in response.content.decode()
    assert "X-Cache" not in response
    assert "Page cache unavailable" in caplog.text
    need.title = "Lockers and showers"
    need.save()
    assert "Lockers and showers" in client.get(url).content.decode()


def test_nothing_is_cached_when_the_cache_time_is_zero(settings, client, public_table):
    settings.PAGE_CACHE_SECONDS = 0
    for response in visit(client, public_table.url):
        assert response.status_code == 200
        assert "X-Cache" not in response


def test_renaming_an_organization_refreshes_the_cache(client, need):
    url = reverse("need_detail", args=[need.pk])
    visit(client, url)
    need.organization.name = "Renamed society"
    need.organization.save()
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "Renamed society" in response.content.decode()
