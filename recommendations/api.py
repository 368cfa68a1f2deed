"""The read-only JSON API at /api/v1/, with its OpenAPI schema at /api/v1/openapi.json.

Every endpoint starts from the one visibility rule of its model
(``visible_to(request.user)``) and filters with the same FilterSets as the
pages, so the API never shows what the site would not.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import register_converter
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase, paginate
from pydantic import create_model
from wagtail.rich_text import expand_db_html

from convenings.filters import NeedFilter
from convenings.models import Community, ConveningPage, Need, RoundTablePage
from recommendations.filters import RecommendationFilter
from recommendations.models import Endorsement, RecommendationPage, StageChange

# Swagger's page would load its scripts from a CDN here (ninja is not an
# installed app) and run inline scripts our CSP forbids: no docs page.
api = NinjaAPI(
    title="Common Table API",
    version="1",
    description=(
        "Read-only access to Common Table's communities, round tables, convenings, needs "
        "and recommendations. Members-only content is included only for signed-in members."
    ),
    urls_namespace="api",
    docs_url=None,
)


# Errors and pagination ----------------------------------------------------------------


class NotFound(Schema):
    """The object does not exist, or is not there for this reader."""

    detail: str


class InvalidParameter(Schema):
    """One query parameter that could not be used, and why."""

    loc: list[str | int] = Field(..., description='Where the error is, e.g. ["query", "stage"].')
    msg: str
    type: str


class InvalidQuery(Schema):
    """The parameters (of the query string or the path) that could not be used."""

    detail: list[InvalidParameter]


@api.exception_handler(ValidationError)
def invalid_query(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Bad query parameters are the client's to fix: 400, naming each parameter."""
    return api.create_response(request, {"detail": exc.errors}, status=400)


# The largest id a database here holds. A bigger number is refused with a 400 before it
# reaches the database, which could not compare it (SQLite raises OverflowError).
ObjectId = Annotated[int, Path(..., ge=1, le=2**63 - 1, description="The object's id.")]
# A slug is letters, digits, hyphens and underscores; anything else (a NUL byte, which
# PostgreSQL cannot even compare) is refused with a 400 before any lookup.
Slug = Annotated[str, Path(..., pattern=r"^[-\w]+$", description="The object's slug.")]


def valid_filter(filterset: django_filters.FilterSet) -> django_filters.FilterSet:
    """The FilterSet, or a 400 naming each parameter it could not use.

    The pages quietly drop a bad filter value; an API client is told instead.
    """
    if not filterset.is_valid():
        raise ValidationError(
            [
                {"loc": ["query", name], "msg": " ".join(messages), "type": "invalid_filter"}
                for name, messages in filterset.errors.items()
            ]
        )
    return filterset


def page_link(request: HttpRequest, number: int) -> str:
    """This request's address with another page number."""
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class PageRequest(Schema):
    """Which page of a list to return."""

    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(20, ge=1, le=100, description="Items per page (at most 100).")


class PageNumbers(PaginationBase):
    """Numbered pages of 20 (``page_size`` up to 100), with links to the next and previous.

    A page past the end is empty; the count comes first, so a huge page number
    never reaches the database as an offset.
    """

    Input = PageRequest

    class Output(Schema):
        count: int = Field(..., description="How many items match, on all pages.")
        next: str | None = Field(..., description="The next page's address, if any.")
        previous: str | None = Field(..., description="The previous page's address, if any.")
        items: list[Any]

    def paginate_queryset(
        self, queryset: QuerySet, pagination: PageRequest, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        """One page of the QuerySet, with the total count and neighbouring pages' links."""
        count = queryset.count()
        start = (pagination.page - 1) * pagination.page_size
        end = start + pagination.page_size
        return {
            "count": count,
            "next": page_link(request, pagination.page + 1) if end < count else None,
            "previous": page_link(request, pagination.page - 1) if pagination.page > 1 else None,
            "items": queryset[start:end] if start < count else [],
        }


def query_parameters(filterset_class: type[django_filters.FilterSet], name: str) -> type[Schema]:
    """A Schema declaring a FilterSet's query parameters, so the OpenAPI schema lists them.

    Built from the FilterSet, so the API and the pages share names and choices;
    the FilterSet itself validates the values (see ``valid_filter``).
    """
    fields = {}
    for parameter, declared in filterset_class.base_filters.items():
        label = declared.label or parameter.replace("_", " ").capitalize()
        extra: dict[str, Any] = {}
        if choices := declared.extra.get("choices"):
            # Empty means "any", as the page's own form sends it (``?stage=&…``).
            extra["enum"] = ["", *(str(value) for value, _ in choices)]
        if isinstance(declared, django_filters.ModelChoiceFilter):
            label = f"{label} (by slug)"
        if max_length := declared.extra.get("max_length"):
            extra["maxLength"] = max_length
        if "enum" not in extra:
            # No value holds a NUL character (PostgreSQL cannot compare one): a 400.
            extra["pattern"] = r"^[^\u0000]*$"
        # Typed ``str`` with a None default: absent means "not filtered", and
        # the schema shows a plain string (with its choices) rather than a union.
        fields[parameter] = (
            str,
            Field(None, description=str(label), json_schema_extra=extra or None),
        )
    return create_model(name, __base__=Schema, **fields)


RecommendationQuery = query_parameters(RecommendationFilter, "RecommendationQuery")
NeedQuery = query_parameters(NeedFilter, "NeedQuery")


# Schemas ---------------------------------------------------------------------------------


def page_url(page: Any, context: dict[str, Any]) -> str:
    """A page's address on this site (a path when there is one site)."""
    return page.get_url(request=context["request"])


class Tag(Schema):
    """A tag, by name and the slug the ``tag`` filter takes."""

    name: str
    slug: str


class RoundTableReference(Schema):
    """A round table, as other objects point to it."""

    slug: str
    title: str


class CommunityOut(Schema):
    """A municipality or region that round tables serve."""

    slug: str
    name: str
    region: str
    description: str


class CommunityDetail(CommunityOut):
    """A community with the round tables serving it that this reader may see."""

    round_tables: list[RoundTableReference]

    @staticmethod
    def resolve_round_tables(community: Community, context: dict[str, Any]) -> list[RoundTablePage]:
        return list(round_tables_for(context["request"]).filter(community=community))


class RoundTableOut(Schema):
    """A community's standing round table."""

    id: int
    slug: str
    title: str
    url: str
    community: str = Field(..., alias="community.slug", description="The community's slug.")
    members_only: bool
    peer_signoff_required: bool

    @staticmethod
    def resolve_url(page: RoundTablePage, context: dict[str, Any]) -> str:
        return page_url(page, context)


class OrganizationOut(Schema):
    """An organization taking part."""

    name: str
    slug: str
    peer_led: bool


class RoundTableDetail(RoundTableOut):
    """A round table with its purpose and member organizations."""

    purpose_html: str = Field(..., description="Purpose and terms of reference, as HTML.")
    member_organizations: list[OrganizationOut]

    @staticmethod
    def resolve_purpose_html(page: RoundTablePage) -> str:
        return expand_db_html(page.purpose)


class ConveningOut(Schema):
    """A meeting of a round table. The exact address and meeting link are never given."""

    id: int
    slug: str
    title: str
    url: str
    round_table: str | None = Field(..., description="The round table's slug.")
    starts_at: datetime = Field(..., description="Start, in the convening's own time zone.")
    ends_at: datetime = Field(..., description="End, in the convening's own time zone.")
    time_zone: str
    format: str
    format_label: str
    area: str = Field(..., description="The general area; the exact place is for attendees.")

    @staticmethod
    def resolve_url(page: ConveningPage, context: dict[str, Any]) -> str:
        return page_url(page, context)

    @staticmethod
    def resolve_round_table(page: ConveningPage) -> str | None:
        return page.round_table.slug if page.round_table else None

    @staticmethod
    def resolve_starts_at(page: ConveningPage) -> datetime:
        return page.local_starts_at

    @staticmethod
    def resolve_ends_at(page: ConveningPage) -> datetime:
        return page.local_ends_at

    @staticmethod
    def resolve_format_label(page: ConveningPage) -> str:
        return page.get_format_display()


class ConveningDetail(ConveningOut):
    """A convening with its access and support details, and minutes once it has ended."""

    capacity: int | None
    support_offered: list[str]
    accessibility_notes: str
    minutes_html: str = Field(..., description="The minutes, as HTML; empty until it has ended.")

    @staticmethod
    def resolve_minutes_html(page: ConveningPage) -> str:
        return expand_db_html(page.minutes) if page.has_ended else ""


class NeedOut(Schema):
    """A need, credited as its poster chose."""

    id: int
    title: str
    description: str
    who_is_affected: str
    url: str = Field(..., alias="get_absolute_url")
    community: str = Field(..., alias="community.slug", description="The community's slug.")
    tags: list[Tag]
    urgency: str
    status: str
    visibility: str
    attribution: str = Field(..., alias="credited_to", description="Who it is credited to.")
    weight: int = Field(..., description="How many organizations corroborate it.")
    round_table: str | None = Field(
        ..., description="The round table's slug, if any and this reader may see it."
    )
    created_at: datetime

    @staticmethod
    def resolve_round_table(need: Need) -> str | None:
        table = need.shown_round_table
        return table.slug if table else None


class NeedDetail(NeedOut):
    """A need with its evidence."""

    evidence: str


class StageChangeOut(Schema):
    """One move on a recommendation's timeline."""

    from_stage: str
    to_stage: str
    to_stage_label: str
    at: datetime
    note: str
    link: str

    @staticmethod
    def resolve_to_stage_label(change: StageChange) -> str:
        return change.get_to_stage_display()


class EndorsementOut(Schema):
    """An organization's endorsement."""

    organization: str = Field(..., alias="organization.name")
    peer_led: bool = Field(..., alias="organization.peer_led")
    statement: str
    endorsed_on: date


class FundingLine(Schema):
    """A line in the funding ledger, in Canadian dollars."""

    funder: str
    amount: Decimal
    committed_on: date
    status: str
    reference: str


class ClarityQuestion(Schema):
    """One of the seven clarity questions and what is missing, if anything."""

    question: str
    answered: bool
    missing: str | None


class NeedReference(Schema):
    """A need, as a recommendation points to it."""

    id: int
    title: str


class RecommendationOut(Schema):
    """A recommendation, as listings show it."""

    id: int
    slug: str
    title: str
    url: str
    summary: str
    stage: str
    stage_label: str
    stage_changed_at: datetime
    decision_maker: str
    cost_estimate: Decimal | None = Field(..., description="Canadian dollars, as a decimal.")
    committed: Decimal = Field(..., description="Funding committed so far (CAD), as a decimal.")
    clarity_score: int = Field(..., description="Clarity questions answered, out of seven.")
    round_table: RoundTableReference | None
    community: str | None = Field(..., description="The community's slug.")
    tags: list[Tag]
    first_published_at: datetime | None

    @staticmethod
    def resolve_url(page: RecommendationPage, context: dict[str, Any]) -> str:
        return page_url(page, context)

    @staticmethod
    def resolve_stage_label(page: RecommendationPage) -> str:
        return page.get_stage_display()

    @staticmethod
    def resolve_community(page: RecommendationPage) -> str | None:
        return page.round_table.community.slug if page.round_table else None


class RecommendationDetail(RecommendationOut):
    """A recommendation with its clarity answers, history, endorsements and funding."""

    stage_definition: str = Field(..., description="What the stage means, in plain words.")
    stage_holder: str = Field(..., description="Who holds it now.")
    next_step: str
    action: str
    responsible_body: str
    audience: str
    funding_source: str
    evidence: str
    what_exists: str
    success_measure: str
    clarity_checklist: list[ClarityQuestion]
    decision_date: date | None
    decision_link: str
    implementation_account: str
    history: list[StageChangeOut]
    endorsements: list[EndorsementOut]
    funding: list[FundingLine]
    needs: list[NeedReference] = Field(..., description="The needs it addresses (as visible).")

    @staticmethod
    def resolve_stage_definition(page: RecommendationPage) -> str:
        return page.guide.definition

    @staticmethod
    def resolve_stage_holder(page: RecommendationPage) -> str:
        return page.guide.holder

    @staticmethod
    def resolve_next_step(page: RecommendationPage) -> str:
        return page.guide.next_step

    @staticmethod
    def resolve_clarity_checklist(page: RecommendationPage) -> list[dict[str, Any]]:
        return [
            {"question": question, "answered": missing is None, "missing": missing}
            for question, missing in page.clarity_checklist()
        ]

    @staticmethod
    def resolve_history(page: RecommendationPage) -> list[Any]:
        return list(page.stage_changes.all())

    @staticmethod
    def resolve_funding(page: RecommendationPage) -> list[Any]:
        return list(page.funding_commitments.all())

    @staticmethod
    def resolve_needs(page: RecommendationPage, context: dict[str, Any]) -> list[Need]:
        user = context["request"].user
        return list(Need.objects.visible_to(user).filter(recommendations=page))


# Recommendations --------------------------------------------------------------------------


def recommendations_for(request: HttpRequest) -> QuerySet:
    """The recommendations this reader may see, with what listings show."""
    return (
        RecommendationPage.objects.visible_to(request.user).for_listing().prefetch_related("tags")
    )


@api.get(
    "/recommendations",
    response={200: list[RecommendationOut], 400: InvalidQuery},
    tags=["recommendations"],
)
@paginate(PageNumbers)
def recommendation_list(request: HttpRequest, filters: Query[RecommendationQuery]) -> QuerySet:
    """Recommendations, filtered, searched and sorted like /recommendations/."""
    # ``filters`` declares the parameters in the schema; the page's own
    # FilterSet reads them from the query string, exactly as the page does.
    recommendations = RecommendationFilter(
        request.GET, queryset=recommendations_for(request), user=request.user
    )
    return valid_filter(recommendations).qs


@api.get(
    "/recommendations/{int:id}",
    response={200: RecommendationDetail, 400: InvalidQuery, 404: NotFound},
    tags=["recommendations"],
)
def recommendation_detail(request: HttpRequest, id: ObjectId) -> RecommendationPage:
    """One recommendation: clarity, stage history, endorsements and funding ledger."""
    return get_object_or_404(
        recommendations_for(request).prefetch_related(
            "stage_changes",
            Prefetch("endorsements", Endorsement.objects.select_related("organization")),
            "funding_commitments",
        ),
        pk=id,
    )


# Needs -------------------------------------------------------------------------------------


def needs_for(request: HttpRequest) -> QuerySet:
    """The needs this reader may see, with the round tables among them they may see."""
    return (
        Need.objects.visible_to(request.user)
        .for_listing()
        .with_visible_context(request.user)
        .select_related("round_table", "convening")
    )


@api.get("/needs", response={200: list[NeedOut], 400: InvalidQuery}, tags=["needs"])
@paginate(PageNumbers)
def need_list(request: HttpRequest, filters: Query[NeedQuery]) -> QuerySet:
    """Needs, filtered, searched and sorted like /needs/."""
    needs = NeedFilter(request.GET, queryset=needs_for(request), user=request.user)
    return valid_filter(needs).qs


@api.get(
    "/needs/{int:id}",
    response={200: NeedDetail, 400: InvalidQuery, 404: NotFound},
    tags=["needs"],
)
def need_detail(request: HttpRequest, id: ObjectId) -> Need:
    """One need."""
    return get_object_or_404(needs_for(request), pk=id)


# Round tables and convenings -------------------------------------------------------------


def round_tables_for(request: HttpRequest) -> QuerySet:
    """The round tables this reader may see, by community."""
    return (
        RoundTablePage.objects.visible_to(request.user)
        .select_related("community")
        .order_by("community__name", "title")
    )


@api.get(
    "/round-tables",
    response={200: list[RoundTableOut], 400: InvalidQuery},
    tags=["round tables"],
)
@paginate(PageNumbers)
def round_table_list(request: HttpRequest) -> QuerySet:
    """Round tables, by community."""
    return round_tables_for(request)


@api.get(
    "/round-tables/{slug}",
    response={200: RoundTableDetail, 400: InvalidQuery, 404: NotFound},
    tags=["round tables"],
)
def round_table_detail(request: HttpRequest, slug: Slug) -> RoundTablePage:
    """One round table, with its purpose and member organizations."""
    return get_object_or_404(
        round_tables_for(request).prefetch_related("member_organizations"), slug=slug
    )


def convenings_for(request: HttpRequest) -> QuerySet:
    """The convenings this reader may see, soonest first."""
    return (
        ConveningPage.objects.visible_to(request.user)
        .select_related("round_table")
        .order_by("starts_at", "pk")
    )


@api.get("/convenings", response={200: list[ConveningOut], 400: InvalidQuery}, tags=["convenings"])
@paginate(PageNumbers)
def convening_list(request: HttpRequest) -> QuerySet:
    """Convenings, past and upcoming, by start time."""
    return convenings_for(request)


@api.get(
    "/convenings/{int:id}",
    response={200: ConveningDetail, 400: InvalidQuery, 404: NotFound},
    tags=["convenings"],
)
def convening_detail(request: HttpRequest, id: ObjectId) -> ConveningPage:
    """One convening, without its address or meeting link."""
    return get_object_or_404(convenings_for(request), pk=id)


# Communities ---------------------------------------------------------------------------


@api.get(
    "/communities", response={200: list[CommunityOut], 400: InvalidQuery}, tags=["communities"]
)
@paginate(PageNumbers)
def community_list(request: HttpRequest) -> QuerySet:
    """Communities, by name."""
    return Community.objects.order_by("name")


@api.get(
    "/communities/{slug}",
    response={200: CommunityDetail, 400: InvalidQuery, 404: NotFound},
    tags=["communities"],
)
def community_detail(request: HttpRequest, slug: Slug) -> Community:
    """One community, with the round tables serving it that this reader may see."""
    return get_object_or_404(Community, slug=slug)


# Anything else under /api/v1/ --------------------------------------------------------------


class RestOfPath:
    """Whatever is left of the path, new lines included (Django's ``path`` stops at one)."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RestOfPath, "rest_of_path")


@api.get("/{rest_of_path:rest}", include_in_schema=False)
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """An address the API does not have is a JSON 404 like the API's others, not a page."""
    raise Http404
