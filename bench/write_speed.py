"""Writes through the API against the ORM writes of the same data, both audited.

A product with two tags and a custom field, created then changed (its name and one
tag): through the API as an organization administrator (POST, then PATCH
/api/v1/products/{id}/, with a JWT), and with the ORM as the same user (create and
`tags.set`, then save and `tags.set`, each write its own transaction, as a request's
is). Interleaved; prints the median time of each and their ratio, and the SQL queries
of each.

    .venv/bin/python bench/write_speed.py [--count 200]
"""

import statistics
import time

import common

ARGS = common.start(__doc__, [("--count", {"type": int, "default": 200})])

from crum import impersonate
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.common.models import Category, UnitOfMeasure
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.products.models import Product
from core.models import CustomFieldDefinition
from rbac.roles import ROLE_NAMES


def setup():
    organization = Organization.objects.create(
        name="Bench", code="BENCH", organization_type_id="Company"
    )
    user = get_user_model().objects.create_user("writer")
    OrganizationMembership.objects.create(
        user=user,
        organization=organization,
        role=Group.objects.get(name=ROLE_NAMES["administrator"]),
    )
    CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Product),
        key="weight_kg",
        field_type="decimal",
    )
    category = Category.objects.create(name="Bench products", category_type="PRODUCT")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return organization, user, category, UnitOfMeasure.objects.get(code="EA"), client


def through_the_api(client, organization, category, i):
    response = client.post(
        "/api/v1/products/",
        {
            "organization": organization.pk,
            "name": f"Product {i}",
            "sku": f"API-{i}",
            "product_type": "PHYSICAL_GOOD",
            "category": category.pk,
            "base_uom": "EA",
            "tags": ["bench", "new"],
            "custom_fields": {"weight_kg": "1.25"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    response = client.patch(
        f"/api/v1/products/{response.json()['id']}/",
        {"name": f"Product {i} changed", "tags": ["bench", "sale"]},
        format="json",
    )
    assert response.status_code == 200, response.content


def with_the_orm(user, organization, category, unit, i):
    with impersonate(user):
        with transaction.atomic():
            product = Product.objects.create(
                organization=organization,
                name=f"Product {i}",
                sku=f"ORM-{i}",
                product_type="PHYSICAL_GOOD",
                category=category,
                base_uom=unit,
                custom_fields={"weight_kg": "1.25"},
            )
            product.tags.set(["bench", "new"])
        with transaction.atomic():
            product.name = f"Product {i} changed"
            product.save()
            product.tags.set(["bench", "sale"])


def main() -> None:
    with common.database():
        organization, user, category, unit, client = setup()
        api, orm = [], []
        for i in range(ARGS.count):
            start = time.perf_counter()
            through_the_api(client, organization, category, i)
            api.append(time.perf_counter() - start)
            start = time.perf_counter()
            with_the_orm(user, organization, category, unit, i)
            orm.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as api_queries:
            through_the_api(client, organization, category, ARGS.count)
        with CaptureQueriesContext(connection) as orm_queries:
            with_the_orm(user, organization, category, unit, ARGS.count)
        api_ms, orm_ms = statistics.median(api) * 1000, statistics.median(orm) * 1000
        print(
            f"{connection.vendor}: {ARGS.count} products created then changed "
            "(two tags, a custom field), audited"
        )
        print(f"{'':<10} {'median':>8} {'queries':>8}")
        print(f"{'API':<10} {api_ms:>6.1f}ms {len(api_queries):>8}")
        print(f"{'ORM':<10} {orm_ms:>6.1f}ms {len(orm_queries):>8}")
        print(f"API / ORM: {api_ms / orm_ms:.2f}x")


if __name__ == "__main__":
    main()
