"""The tenancy matrix (tests/tenancy.py) applied to /api/v1/products/."""

from api.v1.features.products.tests.factories import ProductFactory
from tests.tenancy import ScopedEndpointContract


class TestProductTenancy(ScopedEndpointContract):
    basename = "product"
    factory = ProductFactory
    update_payload = {"name": "Changed"}
    restricted_field = "description"

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "name": "New product",
            "sku": "NEW-1",
            "product_type": "SERVICE",
            "base_uom": "EA",
        }
