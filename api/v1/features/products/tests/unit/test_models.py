"""The product model: defaults, constraints, deletion rules and its workflow at the
model level (the API's view of the workflow is in api/test_workflow.py)."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.features.products.models import Product, has_category, has_description
from api.v1.features.products.tests.factories import ProductFactory
from core.workflows import run_transition, transition_names

pytestmark = pytest.mark.django_db


def test_created_with_the_required_fields_and_defaults(org_a, each):
    product = Product.objects.create(
        organization=org_a, name="Bolt", sku="B-1", product_type="PHYSICAL_GOOD", base_uom=each
    )

    product.refresh_from_db()
    assert product.status == "draft"
    assert (product.is_inventory_tracked, product.is_purchasable, product.is_sellable) == (
        True,
        True,
        True,
    )
    assert product.attributes == {} == product.custom_fields
    assert product.category is None
    assert str(product) == "Bolt (B-1)"


def test_the_sku_is_unique_per_organization_in_any_case(org_a, org_b):
    ProductFactory(organization=org_a, sku="ABC-1")
    ProductFactory(organization=org_b, sku="ABC-1")  # another organization may

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(organization=org_a, sku="abc-1")


def test_category_and_unit_in_use_are_protected(org_a):
    product = ProductFactory(organization=org_a)

    with pytest.raises(ProtectedError):
        product.category.delete()
    with pytest.raises(ProtectedError):
        product.base_uom.delete()


def test_the_status_cannot_be_assigned():
    product = ProductFactory()

    with pytest.raises(AttributeError):
        product.status = "active"


def test_the_conditions():
    product = ProductFactory.build(description="  ", category=None)
    assert not has_description(product)
    assert not has_category(product)

    product = ProductFactory.build(description="Useful.", category=CategoryFactory.build(pk=1))
    product.category_id = 1
    assert has_description(product)
    assert has_category(product)


def test_the_transitions_follow_the_graph(org_a):
    product = ProductFactory(organization=org_a)
    assert transition_names(Product) == ["activate", "discontinue", "reset_to_draft"]

    assert can_proceed(product.activate)
    assert not can_proceed(product.discontinue)
    with pytest.raises(TransitionNotAllowed):
        product.discontinue()

    run_transition(product, "activate")
    run_transition(product, "discontinue")
    run_transition(product, "reset_to_draft")
    product.refresh_from_db()
    assert product.status == "draft"


def test_the_transition_permissions_follow_the_role_in_the_products_organization(
    org_a, org_b, admin_a, member_a, viewer_a, admin_b
):
    product = ProductFactory(organization=org_a, status="active")

    assert has_transition_perm(product.reset_to_draft, admin_a)
    assert has_transition_perm(product.discontinue, member_a)
    assert not has_transition_perm(product.reset_to_draft, member_a)
    assert not has_transition_perm(product.discontinue, viewer_a)
    # An administrator of another organization holds nothing here.
    assert not has_transition_perm(product.discontinue, admin_b)
