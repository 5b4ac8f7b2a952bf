"""What a product write costs in queries: each one listed, so that a regression shows.
A create or update with tags and custom fields, with its audit row, its tags and its
ETag (bench/audit_overhead.py measures the time against an ORM save)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from taggit.models import Tag

from api.v1.features.products.models import Product
from core.models import CustomFieldDefinition

from ..conftest import PRODUCTS_URL, product_url

pytestmark = pytest.mark.django_db

# Every query of the request, in order (SAVEPOINTs included: they are round trips too).
CREATE = [
    "the caller (JWT), with their memberships, their roles' permissions, which of these"
    " have field rules (none), and their global permissions",
    "the organization named",
    "the category named",
    "the unit named",
    "the custom field definitions",
    "the SKU rule",
    "SAVEPOINT (the serializer's write)",
    "SAVEPOINT (the save)",
    "INSERT the product",
    "its tags now",
    "the tags named",
    "INSERT the tag rows",
    "INSERT the audit row (one, with the tags)",
    "RELEASE",
    "RELEASE",
    "the stored record, for the ETag",
    "its tags, for the ETag",
]
UPDATE = [
    "the caller (JWT), with their memberships, their roles' permissions, which of these"
    " have field rules (none), and their global permissions",
    "the record",
    "its tags",
    "the custom field definitions",
    "the SKU rule",
    "SAVEPOINT (the conditional write)",
    "SAVEPOINT (the serializer's write)",
    "SAVEPOINT (the save)",
    "the stored values (the audit row's old side)",
    "UPDATE the product",
    "its tags now",
    "the tags named",
    "DELETE the removed tag rows",
    "INSERT the added tag rows",
    "INSERT the audit row (one, with the tags)",
    "RELEASE",
    "RELEASE",
    "RELEASE",
    "its tags for the response (DRF drops what was loaded after an update)",
    "the stored record, for the ETag",
    "its tags, for the ETag",
]


@pytest.fixture
def client(jwt_client, admin_a):
    return jwt_client(admin_a)


@pytest.fixture
def with_custom_fields(payload):
    CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Product),
        key="weight_kg",
        field_type="decimal",
    )
    Tag.objects.create(name="sale")  # a tag never used costs its INSERT, once
    return {**payload, "custom_fields": {"weight_kg": "1.25"}}


def test_a_create(client, with_custom_fields, django_assert_num_queries):
    client.post(PRODUCTS_URL, {**with_custom_fields, "sku": "WARM-UP"}, format="json")
    with django_assert_num_queries(len(CREATE)):
        response = client.post(PRODUCTS_URL, with_custom_fields, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["tags"] == ["hardware", "new"]


def test_an_update(client, with_custom_fields, django_assert_num_queries):
    created = client.post(PRODUCTS_URL, with_custom_fields, format="json").json()
    with django_assert_num_queries(len(UPDATE)):
        response = client.patch(
            product_url(created["id"]),
            {"name": "Renamed", "tags": ["new", "sale"], "custom_fields": {"weight_kg": "2"}},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["new", "sale"]
