"""Atom feeds of stage changes (Django's syndication framework).

Every feed starts from the recommendations the reader may see, so a
members-only table's work never reaches a feed reader that has not signed in.

One feed object answers every request (the URLconf builds it once), so it
keeps nothing of a request: ``get_object`` returns a ``FeedSubject`` holding
all that one request's feed says, and every other method reads it from there.
Were any of it kept on the feed object, a members-only table's title and
address could reach another reader's feed when two requests overlap.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
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


@dataclass(frozen=True)
class FeedSubject:
    """What one request's feed is of: its title, its page, and the recommendations the
    reader may see there (a QuerySet of their ids)."""

    title: str
    link: str
    recommendations: QuerySet


class StageChangeFeed(Feed):
    """/recommendations/feed/: stage changes of the recommendations matching the filters."""

    feed_type = CarriableAtom1Feed
    subtitle = "Every change of stage, newest first."

    def get_object(self, request, *args, **kwargs) -> FeedSubject:
        recommendations = RecommendationFilter(
            request.GET,
            queryset=RecommendationPage.objects.visible_to(request.user).for_listing(),
        )
        if not recommendations.is_valid():
            raise Http404("Unknown filter values.")
        return FeedSubject(
            title="Common Table: recommendations on the move",
            link=reverse("recommendation_list"),
            recommendations=recommendations.qs.order_by().values("pk"),
        )

    def title(self, subject: FeedSubject) -> str:
        return subject.title

    def link(self, subject: FeedSubject) -> str:
        return subject.link

    def items(self, subject: FeedSubject):
        return (
            StageChange.objects.filter(recommendation__in=subject.recommendations)
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

    def get_object(self, request, table) -> FeedSubject:
        round_table = get_object_or_404(RoundTablePage.objects.visible_to(request.user), slug=table)
        return FeedSubject(
            title=f"{round_table.title}: recommendations on the move",
            link=round_table.url,
            recommendations=(
                RecommendationPage.objects.visible_to(request.user)
                .filter(round_table=round_table)
                .values("pk")
            ),
        )


class CommunityFeed(StageChangeFeed):
    """/communities/<community>/feed/: stage changes across a community's tables."""

    def get_object(self, request, slug) -> FeedSubject:
        community = get_object_or_404(Community, slug=slug)
        return FeedSubject(
            title=f"{community.name}: recommendations on the move",
            link=reverse("recommendation_list") + f"?community={community.slug}",
            recommendations=(
                RecommendationPage.objects.visible_to(request.user)
                .filter(round_table__community=community)
                .values("pk")
            ),
        )
