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
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from commontable.core.plain_text import one_line, printable
from commontable.core.public_address import public_host
from convenings.models import Community, RoundTablePage
from recommendations.filters import RecommendationFilter
from recommendations.models import RecommendationPage, StageChange

FEED_LENGTH = 50

# The date in every ``tag:`` URI (RFC 4151): a day the site's public host was
# already its own. Fixed, so an id never changes once a reader has seen it.
TAG_DATE = "2026-01-01"


def tag_uri(specific: str) -> str:
    """A permanent id under the site's public host: ``tag:<host>,<date>:<specific>``."""
    return f"tag:{public_host()},{TAG_DATE}:{specific}"


def feed_address(request) -> str:
    """This feed's own address with its filters, in one order, empty ones left out.

    Each filtered feed gets its own id and ``rel=self`` from it, so a reader
    subscribed to two filters keeps them apart; the same filters written in
    another order are the same feed.
    """
    filters = sorted(
        (name, value) for name, values in request.GET.lists() for value in values if value
    )
    return request.path + ("?" + urlencode(filters) if filters else "")


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
    """What one request's feed is of: its title, its page, its own address (filters
    included), and the recommendations the reader may see there (a QuerySet of their ids)."""

    title: str
    link: str
    address: str
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
            address=feed_address(request),
            recommendations=recommendations.qs.order_by().values("pk"),
        )

    def title(self, subject: FeedSubject) -> str:
        return subject.title

    def link(self, subject: FeedSubject) -> str:
        return subject.link

    def feed_url(self, subject: FeedSubject) -> str:
        return subject.address

    def feed_guid(self, subject: FeedSubject) -> str:
        return tag_uri(subject.address.lstrip("/"))

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
        return tag_uri(f"stage-change/{change.pk}")

    def item_author_name(self, change):
        """The round table that made the recommendation: never a person, as participants
        may be known by a pseudonym only."""
        round_table = change.recommendation.round_table
        return round_table.title if round_table else "Common Table"

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
            address=feed_address(request),
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
            address=feed_address(request),
            recommendations=(
                RecommendationPage.objects.visible_to(request.user)
                .filter(round_table__community=community)
                .values("pk")
            ),
        )
