"""Products in the search (core.searching)."""

from core.searching import declare

from .models import Product

declare(
    Product,
    fields={"name": "A", "sku": "A", "description": "C"},
    route="api-v1:product-detail",
    status="status",
)
