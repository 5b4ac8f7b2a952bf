"""Fixtures of the product tests: organization A with an administrator, a member and a
viewer (the default roles), organization B with its administrator, a product category
and the "EA" unit (`org_a`, `org_b` and `member_of`: tests/plugin.py)."""

import pytest

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory, UnitOfMeasureFactory

PRODUCTS_URL = "/api/v1/products/"


def product_url(pk, action=None) -> str:
    return f"{PRODUCTS_URL}{pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def admin_a(member_of, org_a):
    return member_of(org_a, "Organization Administrator", username="admin_a")


@pytest.fixture
def member_a(member_of, org_a):
    return member_of(org_a, "Organization Member", username="member_a")


@pytest.fixture
def viewer_a(member_of, org_a):
    return member_of(org_a, "Organization Viewer", username="viewer_a")


@pytest.fixture
def admin_b(member_of, org_b):
    return member_of(org_b, "Organization Administrator", username="admin_b")


@pytest.fixture
def gadgets(db):
    return CategoryFactory(name="Gadgets", category_type=CategoryType.PRODUCT)


@pytest.fixture
def each(db):
    return UnitOfMeasureFactory(code="EA")


@pytest.fixture
def payload(org_a, gadgets, each):
    """A valid create payload for organization A."""
    return {
        "organization": org_a.pk,
        "name": "Widget",
        "sku": "WID-001",
        "description": "A small widget.",
        "product_type": "PHYSICAL_GOOD",
        "category": gadgets.pk,
        "base_uom": "EA",
        "tags": ["hardware", "new"],
        "attributes": {"color": "red"},
    }
