import django_filters
from django.db.models import Q

from core.filters import FilterSet, StrictBooleanFilter

from .models import Category, TaxJurisdiction, TaxRate


class CategoryFilter(FilterSet):
    parent__slug = django_filters.CharFilter(
        field_name="parent__slug", help_text="Slug of the parent category."
    )
    is_root = StrictBooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="Only top-level categories."
    )

    class Meta:
        model = Category
        fields = ["category_type", "parent", "parent__slug", "is_active", "is_root"]


class TaxJurisdictionFilter(FilterSet):
    class Meta:
        model = TaxJurisdiction
        fields = ["jurisdiction_type", "parent", "is_active"]


class TaxRateFilter(FilterSet):
    valid_on = django_filters.DateFilter(
        method="filter_valid_on",
        input_formats=["%Y-%m-%d"],
        help_text="Rates valid on this date (YYYY-MM-DD): open or covering periods.",
    )

    class Meta:
        model = TaxRate
        fields = ["jurisdiction", "tax_category", "tax_type", "is_active", "is_compound"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=value),
            Q(valid_to__isnull=True) | Q(valid_to__gte=value),
        )
