"""Filters, search and sort for recommendations, shared by the list, CSV, feed, brief and API."""

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Q
from taggit.models import Tag

from commontable.core.filtering import SearchAndSortFilterSet
from convenings.models import Community
from recommendations.models import RecommendationPage, TaggedRecommendation
from recommendations.stages import DecisionMaker, Stage


class RecommendationFilter(SearchAndSortFilterSet):
    """Filter by community, stage, decision-maker, tag and funding; search; sort.

    Give it ``RecommendationPage.objects.visible_to(user).for_listing()`` and ``user``.
    """

    FUNDING = [
        ("none", "No funding committed"),
        ("partial", "Partly funded"),
        ("full", "Fully funded"),
    ]
    SORTS = [
        ("newest", "Newest"),
        ("moved", "Recently moved"),
        ("clarity", "Clearest first"),
        ("corroborated", "Most corroborated needs"),
    ]

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    community = django_filters.ModelChoiceFilter(
        field_name="round_table__community",
        queryset=Community.objects.all(),
        to_field_name="slug",
        empty_label="All communities",
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    decision_maker = django_filters.ChoiceFilter(
        choices=DecisionMaker.choices, empty_label="Any decision-maker", label="Decision-maker"
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.none(),
        to_field_name="slug",
        empty_label="All tags",
        label="Tag",
    )
    funding = django_filters.ChoiceFilter(
        choices=FUNDING, method="filter_funding", empty_label="Any funding", label="Funding"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS, method="sort_by", empty_label=None, label="Sort by"
    )

    default_order = ("-first_published_at", "-pk")

    class Meta:
        model = RecommendationPage
        fields = ["q", "community", "stage", "decision_maker", "tag", "funding", "sort"]

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # Sorting by corroborated need counts only the needs this person may see;
        # without a person, only what a visitor may see (never more).
        self.user = user if user is not None else AnonymousUser()
        # Only tags of recommendations this person may see, asked tag by tag.
        visible = self.queryset.order_by().values("pk")
        self.filters["tag"].queryset = Tag.objects.filter(
            Exists(
                TaggedRecommendation.objects.filter(tag=OuterRef("pk"), content_object__in=visible)
            )
        )

    def filter_funding(self, queryset, name, value):
        # The queryset comes from ``for_listing()``, which annotates ``committed``.
        if value == "none":
            return queryset.filter(committed=0)
        if value == "partial":
            return queryset.filter(committed__gt=0).filter(
                Q(cost_estimate__isnull=True) | Q(committed__lt=F("cost_estimate"))
            )
        return queryset.filter(committed__gt=0, cost_estimate__isnull=False).filter(
            committed__gte=F("cost_estimate")
        )

    def sort_by(self, queryset, name, value):
        if value == "moved":
            return queryset.order_by("-stage_changed_at", "-pk")
        if value == "clarity":
            return queryset.order_by("-clarity_score", "-stage_changed_at", "-pk")
        if value == "corroborated":
            return queryset.with_corroboration(self.user).order_by("-corroborations", "-pk")
        return queryset.order_by("-first_published_at", "-pk")
