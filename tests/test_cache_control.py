"""Answers that depend on who asks are ``private``; a signed-in one is ``no-store`` too."""

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from commontable.middleware import PrivateResponsesMiddleware
from convenings.models import Need
from tests.factories import NeedFactory, RecommendationPageFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    """The Cache-Control directives of a response, without their values."""
    return {
        part.split("=")[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


@pytest.fixture
def members_only(private_table, private_convening):
    """A members-only table's recommendation and need, each with a title to look for."""
    recommendation = RecommendationPageFactory(
        parent=private_table, title="Confidential outreach plan", slug="confidential-outreach"
    )
    need = NeedFactory(
        title="Bad date list handover",
        round_table=private_table,
        community=private_table.community,
        visibility=Need.Visibility.MEMBERS,
    )
    return {"table": private_table, "recommendation": recommendation, "need": need}


def surfaces(content) -> dict[str, str]:
    """One address of each surface outside Wagtail's pages, and the pages themselves."""
    table, recommendation, need = content["table"], content["recommendation"], content["need"]
    community = table.community.slug
    return {
        "round table": table.url,
        "recommendation": recommendation.url,
        "table calendar": reverse("round_table_calendar", kwargs={"table": table.slug}),
        "table feed": reverse("round_table_feed", kwargs={"table": table.slug}),
        "community feed": reverse("community_feed", kwargs={"slug": community}),
        "feed": reverse("recommendation_feed"),
        "api recommendations": "/api/v1/recommendations",
        "api recommendation": f"/api/v1/recommendations/{recommendation.pk}",
        "api needs": "/api/v1/needs",
        "api need": f"/api/v1/needs/{need.pk}",
        "api round table": f"/api/v1/round-tables/{table.slug}",
        "needs": reverse("need_list"),
        "need": reverse("need_detail", args=[need.pk]),
        "csv": reverse("recommendation_csv"),
        "needs csv": reverse("need_csv"),
        "brief": reverse(
            "recommendation_brief",
            kwargs={"table": table.slug, "recommendation": recommendation.slug},
        ),
        "list brief": reverse("recommendation_list_brief"),
        "recommendations": reverse("recommendation_list"),
        "search": reverse("search") + "?q=confidential",
        "dashboard": reverse("community_dashboard", kwargs={"slug": community}),
        "home": "/",
    }


# What only the members-only table's people may read, by surface.
MEMBERS_ONLY_MARKERS = {
    "round table": "Hidden Peer Table",
    "recommendation": "Confidential outreach plan",
    "table calendar": "Secret safety planning",
    "api recommendations": "Confidential outreach plan",
    "api recommendation": "Confidential outreach plan",
    "api needs": "Bad date list handover",
    "api need": "Bad date list handover",
    "api round table": "Hidden Peer Table",
    "needs": "Bad date list handover",
    "need": "Bad date list handover",
    "csv": "Confidential outreach plan",
    "needs csv": "Bad date list handover",
    "brief": "Confidential outreach plan",
    "list brief": "Confidential outreach plan",
    "recommendations": "Confidential outreach plan",
    "search": "Confidential outreach plan",
}


def test_every_members_only_surface_is_private_and_never_stored(
    client, private_member, members_only
):
    client.force_login(private_member)
    for name, url in surfaces(members_only).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        body = b"".join(response) if response.streaming else response.content
        if name in MEMBERS_ONLY_MARKERS:
            assert MEMBERS_ONLY_MARKERS[name] in body.decode(), name
        assert {"private", "no-store"} <= directives(response), (name, response.items())
        assert "public" not in directives(response), name


def test_every_signed_in_answer_is_private_even_on_public_surfaces(
    client, member, public_table, upcoming
):
    recommendation = RecommendationPageFactory(parent=public_table, title="Overnight drop-in")
    need = NeedFactory(title="Transit tickets", round_table=public_table)
    client.force_login(member)
    content = {"table": public_table, "recommendation": recommendation, "need": need}
    for name, url in {**surfaces(content), "following": reverse("follows")}.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        assert {"private", "no-store"} <= directives(response), (name, response.items())


def test_visitors_get_the_shared_page_that_caches_may_keep(client, public_table, upcoming):
    recommendation = RecommendationPageFactory(parent=public_table, title="Overnight drop-in")
    need = NeedFactory(title="Transit tickets", round_table=public_table)
    content = {"table": public_table, "recommendation": recommendation, "need": need}
    for name, url in surfaces(content).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        assert not directives(response) & {"private", "no-store"}, (name, response.items())


def test_an_answer_to_a_session_or_a_waiting_message_is_private(client, public_table):
    for cookie in ("sessionid", "messages"):
        visitor = type(client)()
        visitor.cookies[cookie] = "anything"
        response = visitor.get(public_table.url)
        assert response.status_code == 200
        assert "private" in directives(response), cookie


def test_an_answer_with_credentials_is_private(client):
    response = client.get("/api/v1/recommendations", headers={"authorization": "Bearer token"})
    assert "private" in directives(response)


def test_signing_out_is_private_too(client, member):
    client.force_login(member)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "private" in directives(response)


def test_a_view_that_asked_for_public_caching_loses_it_for_a_signed_in_person(rf, member):
    def view(request):
        response = HttpResponse("page")
        patch_cache_control(response, public=True, max_age=300)
        return response

    request = rf.get("/")
    request.user = member
    response = PrivateResponsesMiddleware(view)(request)
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)
