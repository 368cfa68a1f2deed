"""The read-only JSON API at /api/v1/: what it lists, who sees what, filters and its schema."""

from datetime import date
from decimal import Decimal

import pytest

from convenings.models import Corroboration, Need
from recommendations.models import Endorsement, FundingCommitment, RecommendationPage, StageChange
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
SECRET_ADDRESS = "123 Secret Street"
SECRET_LINK = "https://meet.example.org/secret-room"
SECRET_NEED = "Secret need of the peer table"


@pytest.fixture
def prince_george(db):
    return CommunityFactory(name="Prince George", slug="prince-george", region="Northern BC")


@pytest.fixture
def victoria(db):
    return CommunityFactory(name="Victoria", slug="victoria")


@pytest.fixture
def pg_table(prince_george, organization):
    return RoundTablePageFactory(
        title="PG Table",
        slug="pg-api-table",
        community=prince_george,
        member_organizations=[organization],
    )


@pytest.fixture
def victoria_table(victoria):
    return RoundTablePageFactory(title="Victoria Table", slug="victoria-table", community=victoria)


@pytest.fixture
def drop_in(pg_table, organization):
    """A submitted recommendation with a history, an endorsement and funding."""
    page = RecommendationPageFactory(
        parent=pg_table,
        title="Overnight drop-in",
        summary="A warm place at night.",
        action="Open a drop-in from 10pm to 6am",
        decision_maker="municipal_council",
        cost_estimate=Decimal("5000"),
        funding_source="City social grants",
    )
    page.tags.add("shelter")
    page.save_revision().publish()
    StageChange.objects.create(recommendation=page, from_stage="draft", to_stage="proposed")
    StageChange.objects.create(recommendation=page, from_stage="proposed", to_stage="submitted")
    RecommendationPage.objects.filter(pk=page.pk).update(stage="submitted")
    Endorsement.objects.create(
        recommendation=page,
        organization=OrganizationFactory(name="Peers United", peer_led=True),
        representative=UserFactory(display_name="Rep Person"),
        statement="We need this.",
        endorsed_on=date(2026, 1, 15),
    )
    FundingCommitment.objects.create(
        recommendation=page,
        funder="Health Authority",
        amount=Decimal("1200"),
        committed_on=date(2026, 2, 1),
        reference="G-7",
    )
    page.refresh_from_db()
    return page


@pytest.fixture
def court_childcare(victoria_table):
    return RecommendationPageFactory(
        parent=victoria_table, title="Court childcare", summary="Childcare at court."
    )


@pytest.fixture
def secret_recommendation(private_table):
    return RecommendationPageFactory(parent=private_table, title="Secret peer plan")


@pytest.fixture
def secret_need(private_table, private_member):
    return NeedFactory(
        title=SECRET_NEED,
        visibility=Need.Visibility.MEMBERS,
        round_table=private_table,
        community=private_table.community,
        organization=private_member.memberships.get().organization,
        posted_by=private_member,
    )


@pytest.fixture
def urgent_need(prince_george, pg_table, member):
    need = NeedFactory(
        title="Overnight safe space",
        community=prince_george,
        urgency=Need.Urgency.URGENT,
        round_table=pg_table,
        posted_by=member,
        organization=member.memberships.get().organization,
    )
    need.tags.add("safety")
    Corroboration.objects.create(need=need, organization=OrganizationFactory())
    return need


@pytest.fixture
def routine_need(victoria):
    return NeedFactory(title="Bus tickets", community=victoria, urgency=Need.Urgency.ROUTINE)


def get(client, path, params=None):
    return client.get(f"{API}{path}", params or {})


def titles(response):
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


# Recommendations


def test_recommendation_list_shows_listing_fields(client, drop_in, court_childcare):
    response = get(client, "/recommendations")
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    item = next(r for r in body["items"] if r["id"] == drop_in.pk)
    assert item["title"] == "Overnight drop-in"
    assert item["stage"] == "submitted"
    assert item["stage_label"] == "Submitted"
    assert Decimal(item["cost_estimate"]) == Decimal("5000")
    assert Decimal(item["committed"]) == Decimal("1200")
    assert item["round_table"] == {"slug": "pg-api-table", "title": "PG Table"}
    assert item["community"] == "prince-george"
    assert item["tags"] == [{"name": "shelter", "slug": "shelter"}]
    assert item["url"] == "/round-tables/pg-api-table/" + drop_in.slug + "/"


def test_recommendation_detail_has_history_endorsements_funding_and_clarity(client, drop_in):
    body = get(client, f"/recommendations/{drop_in.pk}").json()
    assert [(c["from_stage"], c["to_stage"]) for c in body["history"]] == [
        ("draft", "proposed"),
        ("proposed", "submitted"),
    ]
    assert body["endorsements"] == [
        {
            "organization": "Peers United",
            "peer_led": True,
            "statement": "We need this.",
            "endorsed_on": "2026-01-15",
        }
    ]
    assert len(body["funding"]) == 1
    assert body["funding"][0]["funder"] == "Health Authority"
    assert Decimal(body["funding"][0]["amount"]) == Decimal("1200")
    assert body["stage_definition"] == "Sent to its decision-maker. No decision yet."
    assert body["clarity_score"] == 3
    assert len(body["clarity_checklist"]) == 7
    assert body["clarity_checklist"][0] == {
        "question": "Action: the specific thing to be done",
        "answered": True,
        "missing": None,
    }
    assert {"answered": False, "missing": "no evidence"}.items() <= body["clarity_checklist"][
        4
    ].items()
    assert "Rep Person" not in str(body)


def test_recommendation_detail_names_its_linked_needs_as_visible(
    client, drop_in, urgent_need, secret_need
):
    drop_in.needs.add(urgent_need, secret_need)
    drop_in.save_revision().publish()
    body = get(client, f"/recommendations/{drop_in.pk}").json()
    assert body["needs"] == [{"id": urgent_need.pk, "title": "Overnight safe space"}]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"community": "victoria"}, {"Court childcare"}),
        ({"community": "prince-george"}, {"Overnight drop-in"}),
        ({"stage": "submitted"}, {"Overnight drop-in"}),
        ({"stage": "draft"}, {"Court childcare"}),
        ({"tag": "shelter"}, {"Overnight drop-in"}),
        ({"decision_maker": "municipal_council"}, {"Overnight drop-in"}),
        ({"funding": "partial"}, {"Overnight drop-in"}),
        ({"q": "childcare"}, {"Court childcare"}),
    ],
)
def test_recommendation_filters_match_the_page(client, drop_in, court_childcare, params, expected):
    assert titles(get(client, "/recommendations", params)) == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [("stage", "bogus"), ("community", "atlantis"), ("tag", "nope"), ("sort", "random")],
)
def test_bad_recommendation_filter_is_a_400_naming_the_parameter(client, drop_in, param, value):
    response = get(client, "/recommendations", {param: value})
    assert response.status_code == 400
    assert [error["loc"] for error in response.json()["detail"]] == [["query", param]]


def test_recommendations_of_a_private_table_are_hidden_from_visitors(
    client, drop_in, secret_recommendation
):
    assert "Secret peer plan" not in titles(get(client, "/recommendations"))
    assert get(client, f"/recommendations/{secret_recommendation.pk}").status_code == 404


def test_recommendations_of_a_private_table_are_hidden_from_outsiders(
    client, outsider, secret_recommendation
):
    client.force_login(outsider)
    assert "Secret peer plan" not in titles(get(client, "/recommendations"))
    assert get(client, f"/recommendations/{secret_recommendation.pk}").status_code == 404


def test_members_of_the_private_table_see_its_recommendations(
    client, private_member, secret_recommendation
):
    client.force_login(private_member)
    assert "Secret peer plan" in titles(get(client, "/recommendations"))
    response = get(client, f"/recommendations/{secret_recommendation.pk}")
    assert response.status_code == 200
    assert response.json()["round_table"]["slug"] == "hidden-peer-table"


def test_missing_recommendation_is_a_404(client, db):
    response = get(client, "/recommendations/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_unpublished_recommendation_is_a_404(client, drop_in):
    drop_in.unpublish()
    assert get(client, f"/recommendations/{drop_in.pk}").status_code == 404


# Pagination


def test_pages_of_twenty_link_to_each_other(client, pg_table):
    for _ in range(21):
        RecommendationPageFactory(parent=pg_table)
    first = get(client, "/recommendations", {"stage": "draft"}).json()
    assert first["count"] == 21
    assert len(first["items"]) == 20
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/recommendations?stage=draft&page=2"
    second = client.get(first["next"]).json()
    assert len(second["items"]) == 1
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/recommendations?stage=draft&page=1"
    assert len(get(client, "/recommendations", {"page_size": 5}).json()["items"]) == 5


@pytest.mark.parametrize(
    "params", [{"page": "0"}, {"page": "abc"}, {"page_size": "0"}, {"page_size": "101"}]
)
def test_bad_page_values_are_a_400(client, drop_in, params):
    response = get(client, "/recommendations", params)
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_a_page_past_the_end_is_empty(client, drop_in):
    for page in ["2", "99999999999999999999999"]:
        response = get(client, "/recommendations", {"page": page})
        assert response.status_code == 200
        assert response.json()["items"] == []
        assert response.json()["count"] == 1


# Needs


def test_need_list_and_detail_credit_as_the_poster_chose(client, urgent_need, member):
    body = get(client, "/needs").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["title"] == "Overnight safe space"
    assert item["community"] == "prince-george"
    assert item["urgency"] == "urgent"
    assert item["status"] == "open"
    assert item["visibility"] == "public"
    assert item["weight"] == 1
    assert item["round_table"] == "pg-api-table"
    assert item["tags"] == [{"name": "safety", "slug": "safety"}]
    assert item["attribution"] == urgent_need.organization.name
    assert item["url"] == f"/needs/{urgent_need.pk}/"
    detail = get(client, f"/needs/{urgent_need.pk}").json()
    assert detail["evidence"] == ""
    assert detail["who_is_affected"] == "People in the community"
    for body_text in (str(body), str(detail)):
        assert member.display_name not in body_text
        assert member.email not in body_text


def test_need_credited_to_a_peer_led_organization_names_no_one(client, db):
    need = NeedFactory(
        organization=OrganizationFactory(name="Named Peer Group", peer_led=True),
        attribution=Need.Attribution.PEER_LED,
    )
    # "A peer-led organization" hides it only among others (see test_anonymity.py).
    OrganizationFactory(peer_led=True).communities.add(need.community)
    body = get(client, f"/needs/{need.pk}").json()
    assert body["attribution"] == "A peer-led organization"
    assert "Named Peer Group" not in str(body)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"urgency": "urgent"}, {"Overnight safe space"}),
        ({"urgency": "routine"}, {"Bus tickets"}),
        ({"community": "victoria"}, {"Bus tickets"}),
        ({"community": "prince-george", "urgency": "routine"}, set()),
        ({"tag": "safety"}, {"Overnight safe space"}),
        ({"round_table": "pg-api-table"}, {"Overnight safe space"}),
    ],
)
def test_need_filters_match_the_page(client, urgent_need, routine_need, params, expected):
    assert titles(get(client, "/needs", params)) == expected


def test_bad_need_filter_is_a_400_naming_the_parameter(client, urgent_need):
    response = get(client, "/needs", {"urgency": "extreme"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", "urgency"]
    assert "extreme" in response.json()["detail"][0]["msg"]


def test_members_only_need_is_hidden_from_visitors(client, secret_need, urgent_need):
    assert SECRET_NEED not in titles(get(client, "/needs"))
    assert get(client, f"/needs/{secret_need.pk}").status_code == 404
    assert get(client, "/needs", {"round_table": "hidden-peer-table"}).status_code == 400


def test_members_only_need_is_shown_to_the_tables_members(client, secret_need, private_member):
    client.force_login(private_member)
    assert SECRET_NEED in titles(get(client, "/needs"))
    body = get(client, f"/needs/{secret_need.pk}").json()
    assert body["visibility"] == "members"
    assert body["round_table"] == "hidden-peer-table"
    assert private_member.display_name not in str(body)


def test_missing_need_is_a_404(client, db):
    assert get(client, "/needs/999999").status_code == 404


# Round tables


def test_round_table_list_and_detail(client, pg_table, organization):
    body = get(client, "/round-tables").json()
    assert "PG Table" in titles(get(client, "/round-tables"))
    item = next(t for t in body["items"] if t["slug"] == "pg-api-table")
    assert item["community"] == "prince-george"
    assert item["url"] == "/round-tables/pg-api-table/"
    assert item["members_only"] is False
    detail = get(client, "/round-tables/pg-api-table").json()
    assert detail["purpose_html"] == "<p>Why we meet.</p>"
    assert detail["member_organizations"] == [
        {"name": organization.name, "slug": organization.slug, "peer_led": False}
    ]


def test_private_table_is_hidden_from_visitors(client, private_table, pg_table):
    assert "Hidden Peer Table" not in titles(get(client, "/round-tables"))
    assert get(client, "/round-tables/hidden-peer-table").status_code == 404


def test_private_table_is_shown_to_its_members(client, private_table, private_member):
    client.force_login(private_member)
    assert "Hidden Peer Table" in titles(get(client, "/round-tables"))
    detail = get(client, "/round-tables/hidden-peer-table").json()
    assert detail["members_only"] is True
    assert "Confidential peer planning." in detail["purpose_html"]


# Convenings


def assert_no_meeting_details(response):
    text = response.content.decode()
    assert SECRET_ADDRESS not in text
    assert SECRET_LINK not in text
    assert "address" not in text
    assert "online_link" not in text


def test_convening_list_and_detail_keep_the_meeting_details_back(client, upcoming, facilitator):
    response = get(client, "/convenings")
    assert titles(response) == {"Spring convening"}
    item = response.json()["items"][0]
    assert item["round_table"] == "pg-table"
    assert item["time_zone"] == "America/Vancouver"
    assert item["format"] == "in_person"
    assert item["area"] == "Downtown"
    assert item["starts_at"].endswith(("-07:00", "-08:00"))
    assert item["ends_at"].endswith(("-07:00", "-08:00"))
    assert_no_meeting_details(response)
    detail = get(client, f"/convenings/{upcoming.pk}")
    assert detail.json()["capacity"] == 2
    assert_no_meeting_details(detail)
    client.force_login(facilitator)
    assert_no_meeting_details(get(client, "/convenings"))
    assert_no_meeting_details(get(client, f"/convenings/{upcoming.pk}"))


def test_private_tables_convenings_are_hidden_from_visitors(client, private_convening, upcoming):
    assert "Secret safety planning" not in titles(get(client, "/convenings"))
    assert get(client, f"/convenings/{private_convening.pk}").status_code == 404


def test_private_tables_convenings_are_shown_to_members_without_meeting_details(
    client, private_convening, private_member
):
    client.force_login(private_member)
    response = get(client, "/convenings")
    assert "Secret safety planning" in titles(response)
    assert_no_meeting_details(response)
    detail = get(client, f"/convenings/{private_convening.pk}")
    assert detail.status_code == 200
    assert_no_meeting_details(detail)


# Communities


def test_community_list_and_detail_show_only_visible_tables(
    client, prince_george, pg_table, private_table, private_member
):
    body = get(client, "/communities").json()
    assert "prince-george" in {c["slug"] for c in body["items"]}
    detail = get(client, "/communities/prince-george").json()
    assert detail["name"] == "Prince George"
    assert detail["region"] == "Northern BC"
    assert detail["round_tables"] == [{"slug": "pg-api-table", "title": "PG Table"}]
    hidden_home = private_table.community.slug
    assert get(client, f"/communities/{hidden_home}").json()["round_tables"] == []
    client.force_login(private_member)
    assert get(client, f"/communities/{hidden_home}").json()["round_tables"] == [
        {"slug": "hidden-peer-table", "title": "Hidden Peer Table"}
    ]


def test_missing_community_is_a_404(client, db):
    assert get(client, "/communities/atlantis").status_code == 404


# Read-only


def test_the_api_does_not_accept_writes(client, drop_in):
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(f"{API}/recommendations/{drop_in.pk}").status_code == 405


# Schema

PATHS = {
    "/api/v1/recommendations",
    "/api/v1/recommendations/{id}",
    "/api/v1/needs",
    "/api/v1/needs/{id}",
    "/api/v1/round-tables",
    "/api/v1/round-tables/{slug}",
    "/api/v1/convenings",
    "/api/v1/convenings/{id}",
    "/api/v1/communities",
    "/api/v1/communities/{slug}",
}


def test_openapi_schema_lists_every_endpoint_as_get_only(client, db):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"] == {
        "title": "Common Table API",
        "version": "1",
        "description": schema["info"]["description"],
    }
    assert set(schema["paths"]) == PATHS
    for path, operations in schema["paths"].items():
        assert set(operations) == {"get"}, path
        assert "200" in operations["get"]["responses"], path


@pytest.mark.parametrize(
    ("path", "parameters"),
    [
        (
            "/api/v1/recommendations",
            {"q", "community", "stage", "decision_maker", "tag", "funding", "sort"},
        ),
        ("/api/v1/needs", {"q", "community", "tag", "urgency", "status", "round_table", "sort"}),
    ],
)
def test_openapi_schema_declares_the_filters_and_pages(client, db, path, parameters):
    operation = client.get(f"{API}/openapi.json").json()["paths"][path]["get"]
    declared = {p["name"]: p for p in operation["parameters"]}
    assert set(declared) == parameters | {"page", "page_size"}
    assert all(p["in"] == "query" for p in declared.values())
    assert "400" in operation["responses"]


def test_openapi_schema_gives_the_choices_of_choice_filters(client, db):
    operation = client.get(f"{API}/openapi.json").json()["paths"]["/api/v1/recommendations"]["get"]
    stage = next(p for p in operation["parameters"] if p["name"] == "stage")
    assert "submitted" in str(stage["schema"])
    assert "bogus" not in str(stage["schema"])


def test_no_docs_page_loads_scripts_from_a_cdn(client, db):
    assert client.get(f"{API}/docs", follow=True).status_code == 404


# Query counts


@pytest.fixture
def counted(client, django_assert_max_num_queries):
    """The number of queries a list request takes, after a warm-up request (site root paths)."""

    def count(path):
        get(client, path)
        with django_assert_max_num_queries(20) as captured:
            response = get(client, path)
        assert response.status_code == 200
        return len(captured.captured_queries)

    return count


def test_recommendation_list_query_count_is_constant(counted, pg_table):
    def add(number):
        for _ in range(number):
            page = RecommendationPageFactory(parent=pg_table)
            page.tags.add("housing")
            page.save()
            FundingCommitment.objects.create(recommendation=page, funder="F", amount=Decimal(1))

    add(2)
    few = counted("/recommendations")
    add(10)
    assert counted("/recommendations") == few


def test_need_list_query_count_is_constant(counted, pg_table):
    def add(number):
        for _ in range(number):
            need = NeedFactory(round_table=pg_table)
            need.tags.add("housing", "safety")
            Corroboration.objects.create(need=need, organization=OrganizationFactory())

    add(2)
    few = counted("/needs")
    add(10)
    assert counted("/needs") == few


def test_convening_list_query_count_is_constant(counted, pg_table):
    def add(number):
        for _ in range(number):
            ConveningPageFactory(parent=pg_table)

    add(2)
    few = counted("/convenings")
    add(10)
    assert counted("/convenings") == few
