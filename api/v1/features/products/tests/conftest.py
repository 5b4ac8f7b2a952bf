"""Fixtures of the product tests: organization A with an administrator, a member and a
viewer (the default roles), organization B with its administrator, a product category
and the "EA" unit."""

import pytest
from django.contrib.auth.models import Group

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory, UnitOfMeasureFactory
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

PRODUCTS_URL = "/api/v1/products/"


def product_url(pk, action=None) -> str:
    return f"{PRODUCTS_URL}{pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Org A", code="A")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Org B", code="B")


@pytest.fixture
def member_of(db):
    """member_of(organization, role name) -> a new user with that default role there."""

    def make(organization, role_name, **fields):
        user = UserFactory(**fields)
        OrganizationMembershipFactory(
            user=user, organization=organization, role=Group.objects.get(name=role_name)
        )
        return user

    return make


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
