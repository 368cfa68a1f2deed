"""The needs board's filters, search and sort, all in the query string."""

import django_filters
from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from taggit.models import Tag

from commontable.core.filtering import SearchAndSortFilterSet
from convenings.models import Community, Need, RoundTablePage, TaggedNeed


class NeedFilter(SearchAndSortFilterSet):
    """Filter needs by community, tag, urgency, status and round table; search; sort."""

    SORTS = {
        "newest": "Newest",
        "corroborated": "Most corroborated",
        "urgency": "Most urgent",
    }

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    community = django_filters.ModelChoiceFilter(
        queryset=Community.objects.all(), to_field_name="slug", empty_label="All communities"
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.none(),
        to_field_name="slug",
        empty_label="All tags",
        label="Tag",
    )
    urgency = django_filters.ChoiceFilter(choices=Need.Urgency.choices, empty_label="Any urgency")
    status = django_filters.ChoiceFilter(choices=Need.Status.choices, empty_label="Any status")
    round_table = django_filters.ModelChoiceFilter(
        queryset=RoundTablePage.objects.none(),
        to_field_name="slug",
        empty_label="All round tables",
        label="Round table",
    )
    sort = django_filters.ChoiceFilter(
        choices=list(SORTS.items()), method="sort_by", empty_label=None, label="Sort by"
    )

    default_order = ("-created_at", "-pk")

    class Meta:
        model = Need
        fields = ["q", "community", "tag", "urgency", "status", "round_table", "sort"]

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Only tags of needs this person may see: a tag can say too much on its own.
        # Asked tag by tag (there are few tags and many needs), each stopping at its
        # first visible need.
        visible = self.queryset.order_by().values("pk")
        self.filters["tag"].queryset = Tag.objects.filter(
            Exists(TaggedNeed.objects.filter(tag=OuterRef("pk"), content_object__in=visible))
        )
        self.filters["round_table"].queryset = RoundTablePage.objects.visible_to(user).order_by(
            "title"
        )

    def sort_by(self, queryset, name, value):
        if value == "corroborated":
            return queryset.order_by("-weight", "-created_at", "-pk")
        if value == "urgency":
            rank = Case(
                *[When(urgency=key, then=Value(rank)) for key, rank in Need.URGENCY_RANK.items()],
                output_field=IntegerField(),
            )
            return queryset.alias(urgency_rank=rank).order_by("-urgency_rank", "-created_at", "-pk")
        return queryset.order_by("-created_at", "-pk")
