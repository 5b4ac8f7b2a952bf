"""A field the caller's role may not read cannot be reached in any way: not in the
response, nor by `search=`, `ordering=`, the django-filter parameters or `?filter=`.
The viewer here may not read `description`, `product_type` or `category` in
organization A; in B (another role) they may."""

import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.organization.tests.factories import OrganizationMembershipFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from rbac.models import FieldPermission

from ..conftest import PRODUCTS_URL

pytestmark = pytest.mark.django_db

HIDDEN = ("description", "product_type", "category")


@pytest.fixture
def world(member_of, org_a, org_b, gadgets, jwt_client):
    viewer = member_of(org_a, "Organization Viewer", username="viewer")
    OrganizationMembershipFactory(
        user=viewer, organization=org_b, role=Group.objects.get(name="Organization Member")
    )
    for field in HIDDEN:
        FieldPermission.objects.create(
            role=Group.objects.get(name="Organization Viewer"),
            content_type=ContentType.objects.get_for_model(Product),
            field_name=field,
            can_read=False,
        )
    secret_a = ProductFactory(
        organization=org_a,
        name="A",
        description="zebracorn",
        product_type="SERVICE",
        category=gadgets,
    )
    plain_a = ProductFactory(organization=org_a, name="B", description="plain", category=None)
    secret_b = ProductFactory(
        organization=org_b,
        name="C",
        description="zebracorn",
        product_type="SERVICE",
        category=gadgets,
    )
    return {
        "client": jwt_client(viewer),
        "secret_a": secret_a,
        "plain_a": plain_a,
        "secret_b": secret_b,
        "gadgets": gadgets,
    }


def listed(world, **query):
    response = world["client"].get(PRODUCTS_URL, {"page_size": 100, **query})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_hidden_fields_are_not_in_the_response(world):
    rows = {row["id"]: row for row in world["client"].get(PRODUCTS_URL).json()["results"]}
    assert not set(HIDDEN) & set(rows[world["secret_a"].pk])
    assert set(HIDDEN) <= set(rows[world["secret_b"].pk])


def test_search_does_not_find_a_record_by_a_hidden_value(world):
    assert listed(world, search="zebracorn") == [world["secret_b"].pk]
    # The readable fields are still searched everywhere.
    assert world["secret_a"].pk in listed(world, search=world["secret_a"].sku)
    assert listed(world, search=world["gadgets"].name) == [world["secret_b"].pk]


@pytest.mark.parametrize(
    "query",
    [
        {"product_type": "SERVICE"},
        {"category": "gadgets"},  # replaced by the id below
        {"category_slug": "gadgets"},
    ],
)
def test_filters_on_hidden_fields_match_nothing_where_they_are_hidden(world, query):
    if "category" in query:
        query = {"category": world["gadgets"].pk}
    elif "category_slug" in query:
        query = {"category_slug": world["gadgets"].slug}
    assert listed(world, **query) == [world["secret_b"].pk]


def test_json_filters_on_hidden_fields_match_nothing_where_they_are_hidden(world):
    condition = {"field": "description", "op": "icontains", "value": "zebra"}
    assert listed(world, filter=json.dumps(condition)) == [world["secret_b"].pk]


def test_ordering_by_a_hidden_field_is_ignored(world):
    by_default = listed(world)
    assert listed(world, ordering="-product_type") == by_default
    assert listed(world, ordering="product_type") == by_default
    assert listed(world, ordering="-name") == sorted(
        by_default, key=lambda pk: Product.objects.get(pk=pk).name, reverse=True
    )
