import django_filters

from core.filters import FilterSet, StrictBooleanFilter, TaggedFilterSet

from .models import StockLocation, Warehouse


class WarehouseFilter(TaggedFilterSet):
    # Plain id filters: they narrow the caller's own results and never tell whether an
    # id exists in another organization.
    organization = django_filters.NumberFilter(field_name="organization_id")
    country = django_filters.CharFilter(
        field_name="address__country",
        lookup_expr="iexact",
        help_text="ISO 3166 code of the address's country, e.g. US.",
    )
    city = django_filters.CharFilter(
        field_name="address__city",
        lookup_expr="iexact",
        help_text="City of the address (whole name, any letter case).",
    )

    class Meta:
        model = Warehouse
        fields = ["organization", "warehouse_type", "is_active", "tags", "country", "city"]


class StockLocationFilter(FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    warehouse = django_filters.NumberFilter(field_name="warehouse_id")
    parent = django_filters.NumberFilter(field_name="parent_id")
    is_root = StrictBooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="Top-level locations only (or none)."
    )

    class Meta:
        model = StockLocation
        fields = ["organization", "warehouse", "parent", "location_type", "is_active", "is_root"]
