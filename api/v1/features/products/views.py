from api.base.views import ScopedModelViewSet

from .filters import ProductFilter
from .models import Product
from .serializers import ProductSerializer

TAGS = ["products"]


class ProductViewSet(ScopedModelViewSet):
    """Products of your organizations. Your role in the product's organization decides
    what you may do (products.view/add/change/delete_product, and for the workflow
    activate_product, discontinue_product, reset_product)."""

    queryset = Product.objects.select_related("organization", "category", "base_uom")
    serializer_class = ProductSerializer
    schema_tags = TAGS
    filterset_class = ProductFilter
    search_fields = ["sku", "name", "description", "category__name"]
    ordering_fields = ["name", "sku", "product_type", "status", "created_at", "updated_at"]
