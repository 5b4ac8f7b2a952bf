"""Fixtures of the reference data API tests (the shared ones live in the root conftest.py)."""

import pytest

from api.v1.base_models.common.tests.factories import CategoryFactory


@pytest.fixture
def tree():
    """PRODUCT: Furniture > Chairs > Office Chairs, Furniture > Tables, and Lighting;
    DOCUMENT_TYPE: Invoices."""
    furniture = CategoryFactory(name="Furniture", description="Things to sit on or at.")
    chairs = CategoryFactory(name="Chairs", parent=furniture)
    office = CategoryFactory(name="Office Chairs", parent=chairs)
    tables = CategoryFactory(name="Tables", parent=furniture)
    lighting = CategoryFactory(name="Lighting")
    invoices = CategoryFactory(name="Invoices", category_type="DOCUMENT_TYPE")
    return {
        "furniture": furniture,
        "chairs": chairs,
        "office": office,
        "tables": tables,
        "lighting": lighting,
        "invoices": invoices,
    }
