"""The community dashboard: pipeline and funding charts, top needs, convenings, who sees what."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from convenings.models import Corroboration, Need
from recommendations.dashboard import bar_chart, dollars
from recommendations.models import FundingCommitment, RecommendationPage
from recommendations.stages import Stage
from tests.factories import (
    ConveningPageFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Secret peer"


@pytest.fixture
def community(public_table):
    return public_table.community


@pytest.fixture
def private_table(db, community):
    """A members-only table in the same community as the public one."""
    return RoundTablePageFactory(
        title="Hidden Peer Table",
        slug="hidden-peer-table",
        community=community,
        members_only=True,
        purpose="<p>Confidential peer planning.</p>",
    )


def dashboard_url(community) -> str:
    return reverse("community_dashboard", args=[community.slug])


def recommendation(table, *, stage: str = Stage.DRAFT, cost: str | None = None, **fields):
    page = RecommendationPageFactory(
        parent=table, cost_estimate=Decimal(cost) if cost else None, **fields
    )
    RecommendationPage.objects.filter(pk=page.pk).update(stage=stage)
    return page


def fund(page, amount: str) -> FundingCommitment:
    return FundingCommitment.objects.create(recommendation=page, funder="F", amount=Decimal(amount))


def corroborate(need, times: int) -> None:
    for _ in range(times):
        Corroboration.objects.create(need=need, organization=OrganizationFactory())


def table_figures(soup: BeautifulSoup, chart_id: str) -> dict[str, str]:
    """The chart's text table as {row heading: figure}."""
    rows = soup.find("table", id=f"{chart_id}-table").tbody.find_all("tr")
    return {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in rows}


def svg_figures(soup: BeautifulSoup, chart_id: str) -> dict[str, str]:
    """The chart's SVG labels and values as {label: figure}."""
    svg = soup.find("div", id=chart_id).find("svg")
    labels = [text.get_text() for text in svg.find_all("text", class_="chart__label")]
    values = [text.get_text() for text in svg.find_all("text", class_="chart__value")]
    return dict(zip(labels, values, strict=True))


def get_soup(client, community) -> tuple[BeautifulSoup, str]:
    response = client.get(dashboard_url(community))
    assert response.status_code == 200
    body = response.content.decode()
    return BeautifulSoup(body, "html.parser"), body


# Addresses


def test_unknown_community_is_not_found(client, db):
    assert client.get("/communities/atlantis/").status_code == 404


def test_dashboard_lives_at_the_community_address(community):
    assert dashboard_url(community) == f"/communities/{community.slug}/"


def test_links_to_the_community_listings(client, community):
    soup, _ = get_soup(client, community)
    hrefs = {link["href"] for link in soup.select(".dashboard-links a")}
    assert hrefs == {
        f"/recommendations/?community={community.slug}",
        f"/needs/?community={community.slug}",
        f"/communities/{community.slug}/feed/",
    }


# Figures


def test_pipeline_counts_every_stage_in_order_with_zeros(client, public_table, community):
    recommendation(public_table, stage=Stage.SUBMITTED)
    recommendation(public_table, stage=Stage.SUBMITTED)
    recommendation(public_table, stage=Stage.FUNDED)
    recommendation(public_table)
    soup, _ = get_soup(client, community)
    figures = table_figures(soup, "pipeline-chart")
    assert list(figures) == [stage.label for stage in Stage]
    assert figures == {
        stage.label: {Stage.SUBMITTED: "2", Stage.FUNDED: "1", Stage.DRAFT: "1"}.get(stage, "0")
        for stage in Stage
    }
    assert "4 recommendations" in soup.find(id="pipeline-heading").get_text()


def test_other_communities_are_not_counted(client, public_table, community):
    recommendation(public_table, stage=Stage.ADOPTED, cost="500")
    elsewhere = RoundTablePageFactory()
    fund(recommendation(elsewhere, stage=Stage.FUNDED, cost="9000"), "9000")
    soup, _ = get_soup(client, community)
    assert table_figures(soup, "pipeline-chart")["Funded"] == "0"
    assert table_figures(soup, "funding-chart") == {"Requested": "$500", "Committed": "$0"}


def test_funding_shows_requested_against_committed(client, public_table, community):
    first = recommendation(public_table, stage=Stage.FUNDED, cost="10000")
    second = recommendation(public_table, stage=Stage.ADOPTED, cost="2500.50")
    recommendation(public_table)
    fund(first, "4000")
    fund(first, "1000")
    fund(second, "250.50")
    soup, _ = get_soup(client, community)
    assert table_figures(soup, "funding-chart") == {
        "Requested": "$12,500.50",
        "Committed": "$5,250.50",
    }
    text = soup.select_one(".dashboard__figures").get_text(" ", strip=True)
    assert "$12,500.50 requested in the cost estimates of 2 recommendations" in text
    assert "$5,250.50 committed by funders (42% of what is requested)" in text
    assert "Still to find: $7,250" in text


def test_nothing_to_chart_says_so(client, community):
    soup, body = get_soup(client, community)
    assert "No recommendations in" in body
    assert "No cost estimates or funding commitments recorded yet." in body
    assert soup.find("svg") is None


def test_top_needs_are_the_most_corroborated_open_ones(client, community):
    light = NeedFactory(community=community, title="Light need")
    heavy = NeedFactory(community=community, title="Heavy need")
    middle = NeedFactory(community=community, title="Middle need")
    met = NeedFactory(community=community, title="Met need", status=Need.Status.MET)
    corroborate(heavy, 3)
    corroborate(middle, 2)
    corroborate(met, 5)
    for number in range(3):
        NeedFactory(community=community, title=f"Quiet need {number}")
    NeedFactory(title="Need elsewhere")
    response = client.get(dashboard_url(community))
    needs = list(response.context["top_needs"])
    assert needs[:2] == [heavy, middle]
    assert len(needs) == 5
    assert met not in needs and light not in needs[:2]
    body = response.content.decode()
    assert body.index("Heavy need") < body.index("Middle need")
    assert "3 corroborations" in body
    assert "Met need" not in body and "Need elsewhere" not in body


def test_upcoming_convenings_of_the_community_tables(client, community, upcoming):
    ConveningPageFactory(title="Another community's meeting")
    body = get_soup(client, community)[1]
    assert "Spring convening" in body
    assert "Prince George Table" in body
    assert "Another community's meeting" not in body


# Who sees what


@pytest.fixture
def members_only_content(private_table, private_member, community):
    """A members-only recommendation, need and convening in the dashboard's community."""
    secret = recommendation(private_table, stage=Stage.ADOPTED, cost="7000", title=SECRET)
    fund(secret, "3000")
    need = NeedFactory(
        community=community,
        title=f"{SECRET} need",
        visibility=Need.Visibility.MEMBERS,
        round_table=private_table,
        organization=private_member.memberships.get().organization,
    )
    corroborate(need, 4)
    ConveningPageFactory(parent=private_table, title=f"{SECRET} convening")


def test_members_only_content_is_not_counted_for_visitors(
    client, public_table, community, members_only_content
):
    recommendation(public_table, stage=Stage.ADOPTED, cost="1000")
    NeedFactory(community=community, title="Public need")
    soup, body = get_soup(client, community)
    assert table_figures(soup, "pipeline-chart")["Adopted"] == "1"
    assert table_figures(soup, "funding-chart") == {"Requested": "$1,000", "Committed": "$0"}
    assert SECRET not in body
    assert "Hidden Peer Table" not in body


def test_members_only_content_is_counted_for_its_members(
    client, public_table, community, members_only_content, private_member
):
    recommendation(public_table, stage=Stage.ADOPTED, cost="1000")
    client.force_login(private_member)
    soup, body = get_soup(client, community)
    assert table_figures(soup, "pipeline-chart")["Adopted"] == "2"
    assert table_figures(soup, "funding-chart") == {"Requested": "$8,000", "Committed": "$3,000"}
    assert f"{SECRET} need" in body
    assert f"{SECRET} convening" in body


def test_members_only_content_is_not_counted_for_other_members(
    client, public_table, community, members_only_content, member
):
    client.force_login(member)
    soup, body = get_soup(client, community)
    assert soup.find("svg") is None
    assert SECRET not in body


# Charts


def test_charts_are_accessible_images_with_the_same_figures_as_text(
    client, public_table, community
):
    first = recommendation(public_table, stage=Stage.FUNDED, cost="800")
    recommendation(public_table, stage=Stage.PROPOSED)
    fund(first, "200")
    soup, _ = get_soup(client, community)
    for chart_id in ("pipeline-chart", "funding-chart"):
        svg = soup.find("div", id=chart_id).find("svg")
        assert svg["role"] == "img"
        assert svg["aria-labelledby"] == f"{chart_id}-title {chart_id}-desc"
        assert svg.find("title", id=f"{chart_id}-title").get_text()
        description = svg.find("desc", id=f"{chart_id}-desc").get_text()
        figures = table_figures(soup, chart_id)
        assert svg_figures(soup, chart_id) == figures
        for label, figure in figures.items():
            assert f"{label}: {figure}" in description
    assert table_figures(soup, "funding-chart") == {"Requested": "$800", "Committed": "$200"}


def test_bars_are_drawn_to_scale(client, public_table, community):
    for _ in range(4):
        recommendation(public_table, stage=Stage.DRAFT)
    recommendation(public_table, stage=Stage.ENDORSED)
    soup, _ = get_soup(client, community)
    widths = [
        float(rect["width"])
        for rect in soup.find("div", id="pipeline-chart").find_all("rect", class_="chart__bar")
    ]
    assert len(widths) == len(Stage)
    assert widths[0] == pytest.approx(4 * widths[2])
    assert widths[1] == 0


def scripts_on(soup: BeautifulSoup) -> list[str]:
    """The sources of the page's scripts; an inline script shows as an empty source."""
    return [script.get("src", "") for script in soup.find_all("script")]


def test_charts_need_no_script(client, public_table, community, upcoming, private_member):
    # The only script on any page is the site-wide quick exit; the charts are plain HTML.
    recommendation(public_table, stage=Stage.SUBMITTED, cost="100")
    NeedFactory(community=community)
    assert [src.rsplit("/", 1)[-1] for src in scripts_on(get_soup(client, community)[0])] == [
        "quick-exit.js"
    ]
    client.force_login(private_member)
    assert [src.rsplit("/", 1)[-1] for src in scripts_on(get_soup(client, community)[0])] == [
        "quick-exit.js"
    ]


def test_bar_chart_geometry_is_computed_in_python():
    chart = bar_chart(
        chart_id="test",
        title="Test",
        label_heading="Thing",
        value_heading="Count",
        rows=[("A", 10, "10", ""), ("B", 5, "5", ""), ("C", 0, "0", ""), ("D", 1, "1", "")],
    )
    a, b, c, d = chart.bars
    assert b.width == pytest.approx(a.width / 2)
    assert c.width == 0
    assert d.width >= 2
    assert a.y < b.y < c.y < d.y
    assert chart.height > d.y + d.height
    assert a.value_x > a.x + a.width
    assert chart.description == "A: 10; B: 5; C: 0; D: 1."


def test_a_chart_of_zeros_draws_no_bars():
    chart = bar_chart(
        chart_id="empty",
        title="Empty",
        label_heading="Thing",
        value_heading="Count",
        rows=[("A", 0, "0", ""), ("B", Decimal("0"), "$0", "")],
    )
    assert [bar.width for bar in chart.bars] == [0, 0]


def test_dollars_show_cents_only_when_there_are_some():
    assert dollars(Decimal("12500.00")) == "$12,500"
    assert dollars(Decimal("2500.5")) == "$2,500.50"


# Queries


def test_query_count_does_not_grow_with_the_data(
    client, settings, public_table, community, upcoming, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0  # count the page's own queries, never a cached copy

    def add(count: int) -> None:
        for number in range(count):
            page = recommendation(public_table, stage=Stage.FUNDED, cost="1000")
            fund(page, "100")
            need = NeedFactory(community=community, title=f"Need {page.pk}-{number}")
            need.tags.add("safety")
            corroborate(need, 1)
            ConveningPageFactory(parent=public_table)

    add(2)
    client.get(dashboard_url(community))  # warm the site's cache of root paths
    with django_assert_max_num_queries(25) as small:
        client.get(dashboard_url(community))
    add(8)
    with django_assert_max_num_queries(25) as large:
        response = client.get(dashboard_url(community))
    assert (
        table_figures(BeautifulSoup(response.content, "html.parser"), "pipeline-chart")["Funded"]
        == "10"
    )
    assert len(large.captured_queries) == len(small.captured_queries)
