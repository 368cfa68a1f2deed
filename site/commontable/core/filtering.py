"""What the site's list filters share: full-text search and a default order."""

import django_filters


class SearchAndSortFilterSet(django_filters.FilterSet):
    """A FilterSet whose ``q`` searches with the QuerySet's ``matching`` and whose list,
    without a ``sort`` chosen, is in ``default_order``."""

    default_order: tuple[str, ...] = ("-pk",)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.matching(value) if value else queryset

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            queryset = queryset.order_by(*self.default_order)
        return queryset
