"""The API contract (tests/contract.py) applied to /api/v1/products/."""

from api.v1.features.products.choices import ProductStatus
from api.v1.features.products.tests.factories import ProductFactory
from tests.contract import ScopedEndpointContract


class TestProductAPI(ScopedEndpointContract):
    basename = "product"
    factory = ProductFactory
    update_payload = {"name": "Changed"}
    restricted_field = "description"
    unique_payload_fields = ("sku",)

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "name": "New product",
            "sku": "NEW-1",
            "product_type": "SERVICE",
            "base_uom": "EA",
        }

    def search_term(self, record):
        return record.sku

    def ordering_records(self, world):
        # The status differs too (the factory makes drafts).
        return [
            ProductFactory(organization=world.org_a, status=status)
            for status in (ProductStatus.DRAFT, ProductStatus.ACTIVE, ProductStatus.DISCONTINUED)
        ]
