"""Councillors' view: /recommendations/, CSV, Atom feeds and council briefs."""

import codecs
import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from convenings.models import Corroboration, Need
from recommendations.feeds import RoundTableFeed
from recommendations.models import FundingCommitment, RecommendationPage, StageChange
from tests.factories import (
    CommunityFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def spread(public_table, private_table):
    """Recommendations in two communities and stages, one of them members-only."""
    victoria = RoundTablePageFactory(
        title="Victoria table", community=CommunityFactory(name="Victoria", slug="victoria")
    )
    made = {
        "pg_draft": RecommendationPageFactory(
            parent=public_table,
            title="Overnight drop-in",
            summary="A warm place at night.",
            decision_maker="municipal_council",
            cost_estimate=Decimal("1000"),
        ),
        "pg_submitted": RecommendationPageFactory(
            parent=public_table,
            title="Peer honoraria",
            summary="Pay peers.",
            decision_maker="funders",
            action="Pay peers",
            cost_estimate=Decimal("500"),
        ),
        "victoria": RecommendationPageFactory(
            parent=victoria,
            title="Court childcare",
            summary="Childcare at court.",
            decision_maker="municipal_council",
        ),
        "secret": RecommendationPageFactory(
            parent=private_table,
            title="Secret peer plan",
            summary="Members only.",
        ),
    }
    RecommendationPage.objects.filter(pk=made["pg_submitted"].pk).update(stage="submitted")
    made["pg_submitted"].tags.add("peer work")
    made["pg_submitted"].save()
    FundingCommitment.objects.create(
        recommendation=made["pg_submitted"], funder="F", amount=Decimal("200")
    )
    FundingCommitment.objects.create(
        recommendation=made["pg_draft"], funder="F", amount=Decimal("1000")
    )
    return made


def titles(response):
    return {r.title for r in response.context["recommendations"]}


def test_list_shows_only_visible_recommendations(client, spread):
    response = client.get(reverse("recommendation_list"))
    assert titles(response) == {"Overnight drop-in", "Peer honoraria", "Court childcare"}
    assert "Secret peer plan" not in response.content.decode()


def test_member_of_the_private_table_sees_its_recommendations(client, spread, private_member):
    client.force_login(private_member)
    assert "Secret peer plan" in titles(client.get(reverse("recommendation_list")))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"community": "victoria"}, {"Court childcare"}),
        ({"stage": "submitted"}, {"Peer honoraria"}),
        ({"community": "victoria", "stage": "submitted"}, set()),
        ({"decision_maker": "funders"}, {"Peer honoraria"}),
        ({"tag": "peer-work"}, {"Peer honoraria"}),
        ({"funding": "partial"}, {"Peer honoraria"}),
        ({"funding": "full"}, {"Overnight drop-in"}),
        ({"funding": "none"}, {"Court childcare"}),
        ({"q": "childcare"}, {"Court childcare"}),
        ({"q": "secret"}, set()),
    ],
)
def test_filters_and_search(client, spread, params, expected):
    assert titles(client.get(reverse("recommendation_list"), params)) == expected


def test_sorts(client, spread):
    clarity = client.get(reverse("recommendation_list"), {"sort": "clarity"})
    assert next(r.title for r in clarity.context["recommendations"]) == "Peer honoraria"
    StageChange.objects.create(
        recommendation=spread["victoria"], from_stage="draft", to_stage="proposed"
    )
    RecommendationPage.objects.filter(pk=spread["victoria"].pk).update(stage="proposed")
    moved = client.get(reverse("recommendation_list"), {"sort": "moved"})
    assert next(r.title for r in moved.context["recommendations"]) == "Court childcare"


def test_rows_show_stage_clarity_and_funding(client, spread):
    body = client.get(reverse("recommendation_list"), {"stage": "submitted"}).content.decode()
    assert "Submitted" in body
    assert "Clarity 2/7" in body  # action and decision-maker
    assert "$200 of $500 committed" in body


def test_bad_filters_say_so(client, spread):
    response = client.get(reverse("recommendation_list"), {"stage": "nonsense"})
    assert response.status_code == 200
    assert "Some filters could not be used" in response.content.decode()


def test_list_query_count_is_constant(
    client, settings, public_table, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0  # count the page's own queries, never a cached copy
    for _ in range(2):
        RecommendationPageFactory(parent=public_table)
    client.get(reverse("recommendation_list"))  # warm the site-root cache first
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("recommendation_list"))
    for _ in range(10):
        RecommendationPageFactory(parent=public_table)
    with django_assert_max_num_queries(30) as many:
        client.get(reverse("recommendation_list"))
    assert len(many.captured_queries) == len(few.captured_queries)


def csv_rows(response) -> list[dict]:
    """The rows as a spreadsheet reads them: Python's csv module, UTF-8 with its BOM."""
    assert response.status_code == 200
    text = io.TextIOWrapper(io.BytesIO(response.content), encoding="utf-8-sig", newline="")
    return list(csv.DictReader(text))


def test_csv_starts_with_a_byte_order_mark_so_excel_reads_utf8(client, public_table):
    """Without it Excel on Windows reads the file in its own code page: "SkwxwÃº7mesh"."""
    table = RoundTablePageFactory(
        title="Sea to Sky table",
        community=CommunityFactory(name="Skwxwú7mesh", slug="skwxwu7mesh"),
    )
    RecommendationPageFactory(parent=table, title="Café “drop-in”")
    response = client.get(reverse("recommendation_csv"), {"community": "skwxwu7mesh"})
    assert response.content.startswith(codecs.BOM_UTF8 + b"url,id,title,")
    assert response.content.count(codecs.BOM_UTF8) == 1
    (row,) = csv_rows(response)
    assert (row["community"], row["title"]) == ("Skwxwú7mesh", "Café “drop-in”")


def test_csv_has_exactly_the_visible_filtered_set(client, spread, public_table):
    community = public_table.community.slug
    response = client.get(reverse("recommendation_csv"), {"community": community})
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert {row["title"] for row in rows} == {"Overnight drop-in", "Peer honoraria"}
    peer = next(row for row in rows if row["title"] == "Peer honoraria")
    assert peer["stage"] == "Submitted"
    assert peer["action"] == "Pay peers"
    assert Decimal(peer["committed_cad"]) == Decimal("200")
    assert peer["url"].startswith("http://testserver/round-tables/")
    everything = client.get(reverse("recommendation_csv")).content.decode()
    assert "Secret peer plan" not in everything


def test_csv_cells_cannot_become_formulas(client, public_table):
    RecommendationPageFactory(parent=public_table, title="=HYPERLINK(1)", summary="@SUM(A1)")
    rows = csv_rows(client.get(reverse("recommendation_csv")))
    assert rows[0]["title"] == "'=HYPERLINK(1)"
    assert rows[0]["summary"] == "'@SUM(A1)"


def test_csv_with_bad_filters_is_a_400(client, db):
    assert client.get(reverse("recommendation_csv"), {"stage": "zzz"}).status_code == 400


def parse_atom(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None
    return [entry.find(f"{ATOM}title").text for entry in entries]


def test_atom_feed_of_stage_changes_follows_the_filters(client, spread):
    for key in ("pg_submitted", "victoria", "secret"):
        StageChange.objects.create(
            recommendation=spread[key], from_stage="draft", to_stage="proposed", note="Moved"
        )
    everything = parse_atom(client.get(reverse("recommendation_feed")))
    assert len(everything) == 2
    assert not any("Secret" in title for title in everything)
    victoria = parse_atom(client.get(reverse("recommendation_feed"), {"community": "victoria"}))
    assert victoria == ["Court childcare: Draft → Proposed"]


def test_round_table_and_community_feeds(client, spread, private_table):
    StageChange.objects.create(
        recommendation=spread["pg_draft"], from_stage="draft", to_stage="proposed"
    )
    table_feed = parse_atom(client.get(reverse("round_table_feed", args=["pg-table"])))
    assert table_feed == ["Overnight drop-in: Draft → Proposed"]
    community = spread["pg_draft"].round_table.community
    assert parse_atom(client.get(reverse("community_feed", args=[community.slug]))) == table_feed
    assert client.get(reverse("round_table_feed", args=[private_table.slug])).status_code == 404


class FeedLinks(HTMLParser):
    """The Atom feeds a page's head announces, as a feed reader finds them."""

    def __init__(self):
        super().__init__()
        self.in_head = False
        self.feeds = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif (
            self.in_head
            and tag == "link"
            and attrs.get("rel") == "alternate"
            and attrs.get("type") == "application/atom+xml"
        ):
            self.feeds.append((attrs.get("title"), attrs.get("href")))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def announced_feeds(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    parser = FeedLinks()
    parser.feed(response.content.decode())
    return parser.feeds


def test_a_round_table_page_announces_its_feed(
    client, spread, public_table, private_table, private_member
):
    StageChange.objects.create(
        recommendation=spread["pg_draft"], from_stage="draft", to_stage="proposed"
    )
    ((title, href),) = announced_feeds(client.get(public_table.url))
    assert (title, href) == (
        "Prince George Table: stage changes",
        reverse("round_table_feed", args=[public_table.slug]),
    )
    assert parse_atom(client.get(href)) == ["Overnight drop-in: Draft → Proposed"]
    client.force_login(private_member)
    ((_, href),) = announced_feeds(client.get(private_table.url))
    assert href == reverse("round_table_feed", args=[private_table.slug])


def test_one_feed_object_serving_overlapping_requests_keeps_each_readers_table(
    rf, spread, public_table, private_table, private_member
):
    """The URLconf builds each feed once, so requests share it: a member's request for a
    members-only table's feed, arriving while a visitor's is being answered, leaves the
    visitor's feed with the public table's title and address and the member's with theirs."""
    StageChange.objects.create(
        recommendation=spread["secret"], from_stage="draft", to_stage="proposed"
    )
    StageChange.objects.create(
        recommendation=spread["pg_draft"], from_stage="draft", to_stage="proposed"
    )
    visitor = rf.get(reverse("round_table_feed", args=[public_table.slug]))
    visitor.user = AnonymousUser()
    member = rf.get(reverse("round_table_feed", args=[private_table.slug]))
    member.user = private_member
    answered = {}

    class Overlapping(RoundTableFeed):
        def get_object(self, request, *args, **kwargs):
            subject = super().get_object(request, *args, **kwargs)
            if request is visitor:
                answered["member"] = self(member, table=private_table.slug)
            return subject

    answered["visitor"] = Overlapping()(visitor, table=public_table.slug)

    def heading(response):
        root = ET.fromstring(response.content)
        return root.find(f"{ATOM}title").text, root.find(f"{ATOM}link").get("href")

    assert heading(answered["visitor"]) == (
        "Prince George Table: recommendations on the move",
        f"http://testserver{public_table.url}",
    )
    assert parse_atom(answered["visitor"]) == ["Overnight drop-in: Draft → Proposed"]
    assert b"Hidden Peer Table" not in answered["visitor"].content
    assert private_table.url.encode() not in answered["visitor"].content
    assert heading(answered["member"]) == (
        "Hidden Peer Table: recommendations on the move",
        f"http://testserver{private_table.url}",
    )
    assert parse_atom(answered["member"]) == ["Secret peer plan: Draft → Proposed"]


def test_council_brief_of_one_recommendation(client, spread):
    page = spread["pg_submitted"]
    response = client.get(page.url + "brief/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Council brief" in body
    assert "Pay peers" in body
    assert "— unanswered —" in body
    assert 'media="print"' in body


def test_brief_of_a_filtered_list(client, spread):
    body = client.get(reverse("recommendation_list_brief"), {"community": "victoria"}).content
    assert b"Court childcare" in body
    assert b"Peer honoraria" not in body


def test_brief_of_a_members_only_recommendation_is_404(client, spread):
    assert client.get(spread["secret"].url + "brief/").status_code == 404


@pytest.fixture
def corroborated(public_table, private_table):
    """Two public recommendations: one takes up a public need, the other a members-only one.

    The members-only need weighs more, so counting it would put its
    recommendation first.
    """
    public_need = NeedFactory(title="Public need", round_table=public_table)
    hidden_need = NeedFactory(
        title="Hidden need", round_table=private_table, visibility=Need.Visibility.MEMBERS
    )
    Corroboration.objects.create(need=public_need, organization=OrganizationFactory())
    for _ in range(3):
        Corroboration.objects.create(need=hidden_need, organization=OrganizationFactory())
    return {
        "public": RecommendationPageFactory(
            parent=public_table, title="Takes up the public need", needs=[public_need]
        ),
        "hidden": RecommendationPageFactory(
            parent=public_table, title="Takes up the hidden need", needs=[hidden_need]
        ),
    }


def corroborated_order(client):
    response = client.get(reverse("recommendation_list"), {"sort": "corroborated"})
    return [r.title for r in response.context["recommendations"]]


def test_most_corroborated_counts_only_needs_the_visitor_may_see(client, corroborated):
    assert corroborated_order(client) == ["Takes up the public need", "Takes up the hidden need"]


def test_most_corroborated_counts_the_members_only_needs_for_their_members(
    client, corroborated, private_member
):
    client.force_login(private_member)
    assert corroborated_order(client) == ["Takes up the hidden need", "Takes up the public need"]


def test_api_sorts_by_corroborated_need_as_the_list_does(client, corroborated):
    response = client.get("/api/v1/recommendations", {"sort": "corroborated"})
    assert [item["title"] for item in response.json()["items"]] == [
        "Takes up the public need",
        "Takes up the hidden need",
    ]
