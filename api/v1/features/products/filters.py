import django_filters

from core.filters import TaggedFilterSet

from .models import Product


class ProductFilter(TaggedFilterSet):
    # Plain id filters: they narrow the caller's own results and never tell whether an
    # id exists in another organization.
    organization = django_filters.NumberFilter(field_name="organization_id")
    category = django_filters.NumberFilter(field_name="category_id")
    category_slug = django_filters.CharFilter(field_name="category__slug")

    class Meta:
        model = Product
        fields = [
            "organization",
            "category",
            "category_slug",
            "product_type",
            "status",
            "base_uom",
            "is_inventory_tracked",
            "is_purchasable",
            "is_sellable",
            "tags",
            "tags_all",
        ]
