from rest_framework import viewsets

from audit.views import AuditHistoryMixin
from core.filtering.backends import ORGANIZATION_FILTER_FIELDS
from core.views import OrganizationScopedViewSetMixin
from core.workflows import WorkflowViewSetMixin

from .filters import ProductFilter
from .models import Product
from .serializers import ProductSerializer

TAGS = ["products"]


class ProductViewSet(
    WorkflowViewSetMixin,
    AuditHistoryMixin,
    OrganizationScopedViewSetMixin,
    viewsets.ModelViewSet,
):
    """Products of your organizations. Your role in the product's organization decides
    what you may do (products.view/add/change/delete_product, and for the workflow
    activate_product, discontinue_product, reset_product)."""

    queryset = Product.objects.select_related(
        "organization", "category", "base_uom"
    ).prefetch_related("tags")
    serializer_class = ProductSerializer
    schema_tags = TAGS
    filterset_class = ProductFilter
    search_fields = ["sku", "name", "description", "category__name"]
    ordering_fields = ["name", "sku", "product_type", "status", "created_at", "updated_at"]
    json_filter_fields = (
        "id",
        *ORGANIZATION_FILTER_FIELDS,
        "name",
        "sku",
        "description",
        "product_type",
        "status",
        "category",
        "category__slug",
        "category__name",
        "base_uom",
        "is_inventory_tracked",
        "is_purchasable",
        "is_sellable",
        "tags__name",
        "custom_fields",
        "created_at",
        "updated_at",
    )
