"""A community's dashboard: its pipeline, its funding, its needs and its convenings.

The charts are inline SVG drawn on the server: no script, nothing third-party,
and every figure also given as text in a table. Their geometry is worked out
here so that the templates only place values.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from convenings.models import Community, ConveningPage, Need
from recommendations.models import FundingCommitment, RecommendationPage
from recommendations.stages import Stage

TOP_NEEDS = 5
UPCOMING_CONVENINGS = 5

# Chart layout, in SVG user units: a label column, the bars, room for the value.
CHART_WIDTH = 640
LABEL_WIDTH = 176
VALUE_WIDTH = 120
GAP = 8
ROW_HEIGHT = 32
BAR_HEIGHT = 20
PADDING = 8
BAR_AREA = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * GAP
MIN_BAR_WIDTH = 2  # a value above zero always shows as a sliver


@dataclass(frozen=True)
class StageCount:
    """The community's recommendations at one stage: how many, and what they ask for."""

    stage: Stage
    count: int
    requested: Decimal
    estimated: int

    @property
    def label(self) -> str:
        """The stage's plain name."""
        return self.stage.label


@dataclass(frozen=True)
class FundingSummary:
    """Money asked for (cost estimates) against money committed (the funding ledger)."""

    requested: Decimal
    committed: Decimal
    estimated: int

    @property
    def committed_share(self) -> int | None:
        """Committed as a whole percentage of requested, or None when nothing is requested."""
        if not self.requested:
            return None
        return int(self.committed * 100 / self.requested)

    @property
    def still_needed(self) -> Decimal:
        """What is requested and not yet committed (never below zero)."""
        return max(self.requested - self.committed, Decimal("0"))

    @property
    def requested_text(self) -> str:
        """The requested total, in dollars."""
        return dollars(self.requested)

    @property
    def committed_text(self) -> str:
        """The committed total, in dollars."""
        return dollars(self.committed)

    @property
    def still_needed_text(self) -> str:
        """What is still to be committed, in dollars."""
        return dollars(self.still_needed)


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart, with its label, value and position."""

    label: str
    value_text: str
    url: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    value_x: float
    text_y: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart ready to place in ``includes/bar_chart.html``."""

    chart_id: str
    title: str
    label_heading: str
    value_heading: str
    width: int
    height: int
    axis_x: float
    axis_top: float
    axis_bottom: float
    bars: list[Bar]

    @property
    def description(self) -> str:
        """Every bar's figure in words, for the SVG's ``<desc>``."""
        return "; ".join(f"{bar.label}: {bar.value_text}" for bar in self.bars) + "."


def dollars(amount: Decimal) -> str:
    """An amount in Canadian dollars, cents shown only when there are some."""
    if amount == amount.to_integral_value():
        return f"${amount:,.0f}"
    return f"${amount:,.2f}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    label_heading: str,
    value_heading: str,
    rows: list[tuple[str, Decimal | int, str, str]],
) -> BarChart:
    """Lay out ``rows`` of (label, value, value as text, link) as horizontal bars.

    Bars are scaled to the largest value; a chart of zeros draws no bars.
    """
    largest = max((value for _, value, _, _ in rows), default=0)
    bar_x = LABEL_WIDTH + GAP
    bars = []
    for index, (label, value, value_text, url) in enumerate(rows):
        width = float(value) / float(largest) * BAR_AREA if largest else 0.0
        if value and width < MIN_BAR_WIDTH:
            width = MIN_BAR_WIDTH
        top = PADDING + index * ROW_HEIGHT
        bars.append(
            Bar(
                label=label,
                value_text=value_text,
                url=url,
                x=bar_x,
                y=top + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                width=round(width, 1),
                height=BAR_HEIGHT,
                label_x=LABEL_WIDTH,
                value_x=round(bar_x + width + GAP / 2, 1),
                text_y=top + ROW_HEIGHT / 2,
            )
        )
    height = 2 * PADDING + len(rows) * ROW_HEIGHT
    return BarChart(
        chart_id=chart_id,
        title=title,
        label_heading=label_heading,
        value_heading=value_heading,
        width=CHART_WIDTH,
        height=height,
        axis_x=bar_x,
        axis_top=PADDING,
        axis_bottom=height - PADDING,
        bars=bars,
    )


def stage_counts(recommendations: QuerySet) -> list[StageCount]:
    """Count and cost estimates at each stage, every stage in order, zeros included (one query)."""
    rows = (
        recommendations.order_by()
        .values("stage")
        .annotate(
            count=Count("pk"), requested=Sum("cost_estimate"), estimated=Count("cost_estimate")
        )
    )
    found = {row["stage"]: row for row in rows}
    counts = []
    for stage in Stage:
        row = found.get(stage, {"count": 0, "requested": None, "estimated": 0})
        counts.append(
            StageCount(
                stage=stage,
                count=row["count"],
                requested=row["requested"] or Decimal("0"),
                estimated=row["estimated"],
            )
        )
    return counts


def funding_summary(recommendations: QuerySet, stages: list[StageCount]) -> FundingSummary:
    """Requested (from the stage figures) against committed (one query on the ledger)."""
    committed = FundingCommitment.objects.filter(
        recommendation__in=recommendations.values("pk")
    ).aggregate(total=Sum("amount"))["total"]
    return FundingSummary(
        requested=sum((row.requested for row in stages), Decimal("0")),
        committed=committed or Decimal("0"),
        estimated=sum(row.estimated for row in stages),
    )


def listing_url(name: str, **filters: str) -> str:
    """The address of a listing with its filters in the query string."""
    return f"{reverse(name)}?{urlencode(filters)}"


def pipeline_chart(community: Community, stages: list[StageCount]) -> BarChart:
    """The pipeline as bars, one per stage, each linked to the filtered list."""
    return bar_chart(
        chart_id="pipeline-chart",
        title=f"Recommendations in {community.name} by stage",
        label_heading="Stage",
        value_heading="Recommendations",
        rows=[
            (
                row.label,
                row.count,
                str(row.count),
                listing_url("recommendation_list", community=community.slug, stage=row.stage),
            )
            for row in stages
        ],
    )


def funding_chart(community: Community, funding: FundingSummary) -> BarChart:
    """Requested against committed, as two bars."""
    return bar_chart(
        chart_id="funding-chart",
        title=f"Funding in {community.name}: requested and committed",
        label_heading="Funding",
        value_heading="Amount (CAD)",
        rows=[
            ("Requested", funding.requested, funding.requested_text, ""),
            ("Committed", funding.committed, funding.committed_text, ""),
        ],
    )


def community_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """/communities/<slug>/: what this person may see of a community's work, in figures."""
    community = get_object_or_404(Community, slug=slug)
    user = request.user
    recommendations = RecommendationPage.objects.visible_to(user).filter(
        round_table__community=community
    )
    stages = stage_counts(recommendations)
    funding = funding_summary(recommendations, stages)
    top_needs = (
        Need.objects.visible_to(user)
        .filter(community=community)
        .open()
        .for_listing()
        .order_by("-weight", "-created_at")[:TOP_NEEDS]
    )
    upcoming = (
        ConveningPage.objects.visible_to(user)
        .filter(round_table__community=community)
        .upcoming()
        .select_related("round_table")[:UPCOMING_CONVENINGS]
    )
    return render(
        request,
        "recommendations/community_dashboard.html",
        {
            "community": community,
            "recommendation_total": sum(row.count for row in stages),
            "pipeline_chart": pipeline_chart(community, stages),
            "funding": funding,
            "funding_chart": funding_chart(community, funding),
            "top_needs": top_needs,
            "upcoming_convenings": upcoming,
            "recommendations_url": listing_url("recommendation_list", community=community.slug),
            "needs_url": listing_url("need_list", community=community.slug),
            "corroborated_needs_url": listing_url(
                "need_list", community=community.slug, sort="corroborated"
            ),
        },
    )
