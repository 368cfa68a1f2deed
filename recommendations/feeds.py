"""Atom feeds of stage changes (Django's syndication framework).

Every feed starts from the recommendations the reader may see, so a
members-only table's work never reaches a feed reader that has not signed in.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from commontable.core.plain_text import one_line, printable
from convenings.models import Community, RoundTablePage
from recommendations.filters import RecommendationFilter
from recommendations.models import RecommendationPage, StageChange

FEED_LENGTH = 50


def carriable(values: dict) -> dict:
    """Feed values as XML 1.0 can carry them: titles on one line, no control characters."""

    def clean(name, value):
        if isinstance(value, str):
            return one_line(value) if name == "title" else printable(value)
        if isinstance(value, list | tuple):
            return [one_line(item) if isinstance(item, str) else item for item in value]
        return value

    return {name: clean(name, value) for name, value in values.items()}


class CarriableAtom1Feed(Atom1Feed):
    """Django's Atom writer, given only what XML 1.0 can carry.

    Django's writer refuses a control character with an exception, so one old
    note holding one made every feed that included it fail until newer notes
    pushed it out. Input no longer keeps them; this covers what was stored.
    """

    def __init__(self, **kwargs):
        super().__init__(**carriable(kwargs))

    def add_item(self, **kwargs):
        super().add_item(**carriable(kwargs))


class StageChangeFeed(Feed):
    """/recommendations/feed/: stage changes of the recommendations matching the filters."""

    feed_type = CarriableAtom1Feed
    title = "Common Table: recommendations on the move"
    subtitle = "Every change of stage, newest first."

    def get_object(self, request, *args, **kwargs):
        self.request = request
        recommendations = RecommendationFilter(
            request.GET,
            queryset=RecommendationPage.objects.visible_to(request.user).for_listing(),
        )
        if not recommendations.is_valid():
            raise Http404("Unknown filter values.")
        return recommendations.qs.order_by().values("pk")

    def link(self, obj):
        return reverse("recommendation_list")

    def items(self, recommendation_ids):
        return (
            StageChange.objects.filter(recommendation__in=recommendation_ids)
            .select_related("recommendation__round_table")
            .order_by("-at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, change):
        return (
            f"{change.recommendation.title}: {change.get_from_stage_display()} → "
            f"{change.get_to_stage_display()}"
        )

    def item_description(self, change):
        return change.note or change.get_to_stage_display()

    def item_link(self, change):
        return f"{change.recommendation.url}#timeline"

    def item_guid(self, change):
        return f"stage-change-{change.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, change):
        return change.at

    def item_updateddate(self, change):
        return change.at


class RoundTableFeed(StageChangeFeed):
    """/round-tables/<table>/feed/: one table's stage changes."""

    def get_object(self, request, table):
        self.round_table = get_object_or_404(
            RoundTablePage.objects.visible_to(request.user), slug=table
        )
        return (
            RecommendationPage.objects.visible_to(request.user)
            .filter(round_table=self.round_table)
            .values("pk")
        )

    def title(self, obj):
        return f"{self.round_table.title}: recommendations on the move"

    def link(self, obj):
        return self.round_table.url


class CommunityFeed(StageChangeFeed):
    """/communities/<community>/feed/: stage changes across a community's tables."""

    def get_object(self, request, slug):
        self.community = get_object_or_404(Community, slug=slug)
        return (
            RecommendationPage.objects.visible_to(request.user)
            .filter(round_table__community=self.community)
            .values("pk")
        )

    def title(self, obj):
        return f"{self.community.name}: recommendations on the move"

    def link(self, obj):
        return reverse("recommendation_list") + f"?community={self.community.slug}"
