"""/api/v1/products/ beyond the API contract (test_contract.py): validation, SKUs, the
status, protection, filters."""

from unittest import mock

import pytest

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory, UnitOfMeasureFactory
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.models import CustomFieldDefinition

from ..conftest import PRODUCTS_URL, product_url

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


class TestCreate:
    def test_a_product_with_tags_and_attributes(self, jwt_client, admin_a, payload, gadgets):
        response = jwt_client(admin_a).post(PRODUCTS_URL, payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        product = Product.objects.get(pk=body["id"])
        assert body["status"] == "draft" == product.status
        assert body["category"] == gadgets.pk
        assert body["category_slug"] == gadgets.slug
        assert body["category_name"] == "Gadgets"
        assert body["base_uom"] == "EA"
        assert body["tags"] == ["hardware", "new"]
        assert sorted(product.tags.names()) == ["hardware", "new"]
        assert body["attributes"] == {"color": "red"}
        assert (body["is_inventory_tracked"], body["is_purchasable"], body["is_sellable"]) == (
            True,
            True,
            True,
        )
        assert product.created_by == admin_a
        assert product.organization_id == payload["organization"]
        assert body["organization_name"] == product.organization.name

    def test_the_minimum(self, jwt_client, admin_a, org_a, each):
        response = jwt_client(admin_a).post(
            PRODUCTS_URL,
            {
                "organization": org_a.pk,
                "name": "Consulting",
                "sku": "SRV-1",
                "product_type": "SERVICE",
                "base_uom": "EA",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["category"] is None
        assert body["category_name"] is None
        assert body["tags"] == []
        assert body["attributes"] == {}

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"name": ""}, "name"),
            ({"sku": "   "}, "sku"),
            ({"sku": "x" * 101}, "sku"),
            ({"product_type": "CAR"}, "product_type"),
            ({"base_uom": None}, "base_uom"),
            ({"base_uom": "NOPE"}, "base_uom"),
            ({"category": 999999}, "category"),
            ({"attributes": ["red"]}, "attributes"),
            ({"custom_fields": "x"}, "custom_fields"),
            ({"tags": "hardware"}, "tags"),
            ({"tags": ["ok", 3]}, "tags"),
            ({"tags": ["a" * 101]}, "tags"),
            ({"tags": ["a,b"]}, "tags"),
            ({"tags": [f"t{n}" for n in range(51)]}, "tags"),
            ({"is_sellable": "perhaps"}, "is_sellable"),
        ],
    )
    def test_bad_input_is_a_400_that_writes_nothing(
        self, jwt_client, admin_a, payload, change, field
    ):
        response = jwt_client(admin_a).post(PRODUCTS_URL, {**payload, **change}, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Product.objects.exists()

    def test_a_missing_base_uom(self, jwt_client, admin_a, payload):
        del payload["base_uom"]
        response = jwt_client(admin_a).post(PRODUCTS_URL, payload, format="json")
        assert response.status_code == 400
        assert "base_uom" in response.json()

    def test_the_category_must_be_a_product_category(self, jwt_client, admin_a, payload):
        documents = CategoryFactory(name="Contracts", category_type=CategoryType.DOCUMENT_TYPE)
        response = jwt_client(admin_a).post(
            PRODUCTS_URL, {**payload, "category": documents.pk}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"category": ["Category 'Contracts' is not a product category."]}
        assert not Product.objects.exists()

    def test_an_inactive_category_or_unit_is_refused(self, jwt_client, admin_a, payload, gadgets):
        gadgets.is_active = False
        gadgets.save()
        UnitOfMeasureFactory(code="OLD", is_active=False)
        client = jwt_client(admin_a)
        response = client.post(PRODUCTS_URL, payload, format="json")
        assert response.status_code == 400
        assert response.json() == {"category": ["Category 'Gadgets' is inactive."]}
        response = client.post(
            PRODUCTS_URL, {**payload, "category": None, "base_uom": "OLD"}, format="json"
        )
        assert response.status_code == 400
        assert "base_uom" in response.json()

    def test_sku_is_unique_per_organization_in_any_case(
        self, jwt_client, admin_a, admin_b, payload, org_a, org_b
    ):
        ProductFactory(organization=org_a, sku="wid-001")
        response = jwt_client(admin_a).post(PRODUCTS_URL, payload, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "sku": ["A product with this SKU already exists in the organization."]
        }
        # Another organization may use the same SKU.
        response = jwt_client(admin_b).post(
            PRODUCTS_URL, {**payload, "organization": org_b.pk}, format="json"
        )
        assert response.status_code == 201, response.content

    def test_a_concurrent_duplicate_sku_is_a_400_not_a_500(
        self, jwt_client, admin_a, payload, org_a
    ):
        # Validation found the SKU free; a concurrent request's row is there when this
        # one is inserted, and the database refuses it.
        ProductFactory(organization=org_a, sku="WID-001")
        with mock.patch(
            "api.v1.features.products.serializers.sku_taken", side_effect=[False, True]
        ):
            response = jwt_client(admin_a).post(PRODUCTS_URL, payload, format="json")

        assert response.status_code == 400, response.content
        assert list(response.json()) == ["sku"]
        assert Product.objects.filter(organization=org_a).count() == 1

    def test_the_status_is_set_by_the_workflow_only(self, jwt_client, admin_a, payload):
        client = jwt_client(admin_a)
        response = client.post(PRODUCTS_URL, {**payload, "status": "active"}, format="json")
        assert response.status_code == 400
        assert "status" in response.json()
        assert "activate" in response.json()["status"][0]
        assert not Product.objects.exists()
        # Sending the initial state is no change.
        response = client.post(PRODUCTS_URL, {**payload, "status": "draft"}, format="json")
        assert response.status_code == 201, response.content

    def test_custom_fields_follow_their_definitions(self, jwt_client, admin_a, payload):
        CustomFieldDefinition.objects.create(
            content_type_id=_content_type_id(), key="weight_kg", field_type="decimal"
        )
        client = jwt_client(admin_a)
        response = client.post(
            PRODUCTS_URL, {**payload, "custom_fields": {"weight_kg": "heavy"}}, format="json"
        )
        assert response.status_code == 400
        assert "weight_kg" in str(response.json()["custom_fields"])
        response = client.post(
            PRODUCTS_URL, {**payload, "custom_fields": {"colour": "red"}}, format="json"
        )
        assert response.status_code == 400
        assert "colour" in str(response.json()["custom_fields"])
        assert not Product.objects.exists()
        response = client.post(
            PRODUCTS_URL, {**payload, "custom_fields": {"weight_kg": "1.25"}}, format="json"
        )
        assert response.status_code == 201, response.content
        assert Product.objects.get().custom_fields == {"weight_kg": "1.25"}


def _content_type_id():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Product).pk


class TestUpdate:
    def test_a_patch_answers_the_whole_representation(self, jwt_client, admin_a, org_a):
        product = ProductFactory(organization=org_a, category=None)
        client = jwt_client(admin_a)
        read = client.get(product_url(product.pk)).json()
        response = client.patch(product_url(product.pk), {}, format="json")
        assert response.status_code == 200, response.content
        assert set(response.json()) == set(read)
        assert response.json()["category_name"] is None
        assert response.json()["category_slug"] is None

    def test_the_status_cannot_be_patched(self, jwt_client, admin_a, org_a):
        product = ProductFactory(organization=org_a)
        response = jwt_client(admin_a).patch(
            product_url(product.pk), {"status": "active", "name": "X"}, format="json"
        )
        assert response.status_code == 400
        assert "status" in response.json()
        product.refresh_from_db()
        assert (product.status, product.name) == ("draft", product.name)
        assert product.name != "X"

    def test_a_duplicate_sku_on_update(self, jwt_client, admin_a, org_a):
        ProductFactory(organization=org_a, sku="TAKEN")
        product = ProductFactory(organization=org_a, sku="MINE")
        response = jwt_client(admin_a).patch(
            product_url(product.pk), {"sku": "taken"}, format="json"
        )
        assert response.status_code == 400
        product.refresh_from_db()
        assert product.sku == "MINE"
        # Its own SKU in another case is fine.
        response = jwt_client(admin_a).patch(
            product_url(product.pk), {"sku": "mine"}, format="json"
        )
        assert response.status_code == 200, response.content

    def test_a_member_may_not_delete(self, jwt_client, member_a, admin_a, org_a):
        product = ProductFactory(organization=org_a)
        assert jwt_client(member_a).delete(product_url(product.pk)).status_code == 403
        assert jwt_client(admin_a).delete(product_url(product.pk)).status_code == 204
        assert not Product.objects.exists()

    def test_a_viewer_only_reads(self, jwt_client, viewer_a, org_a, payload):
        product = ProductFactory(organization=org_a)
        client = jwt_client(viewer_a)
        assert client.get(product_url(product.pk)).status_code == 200
        assert (
            client.patch(product_url(product.pk), {"name": "x"}, format="json").status_code == 403
        )
        assert client.post(PRODUCTS_URL, payload, format="json").status_code == 403


class TestProtection:
    def test_a_category_or_unit_in_use_cannot_be_deleted(self, jwt_client, admin_a, org_a):
        product = ProductFactory(organization=org_a)
        # Categories are shared reference data: staff delete them.
        client = jwt_client(UserFactory(is_superuser=True, is_staff=True))
        response = client.delete(f"/api/v1/categories/{product.category.slug}/")
        assert response.status_code == 409, response.content
        assert "Product" in response.json()["detail"] or "product" in response.json()["detail"]
        assert product.category.__class__.objects.filter(pk=product.category_id).exists()

    def test_an_organization_with_products_cannot_be_deleted(self, jwt_client, admin_a, org_a):
        ProductFactory(organization=org_a)
        from django.contrib.auth import get_user_model

        root = get_user_model().objects.create_superuser("root", "r@example.com", "x")
        response = jwt_client(root).delete(f"/api/v1/organizations/{org_a.pk}/")
        assert response.status_code == 409, response.content
        assert org_a.__class__.objects.filter(pk=org_a.pk).exists()


class TestList:
    def test_filters(self, jwt_client, admin_a, org_a, gadgets):
        tools = CategoryFactory(name="Tools", category_type=CategoryType.PRODUCT)
        red = ProductFactory(
            organization=org_a, category=gadgets, product_type="DIGITAL", tags=["red", "sale"]
        )
        blue = ProductFactory(
            organization=org_a, category=tools, product_type="DIGITAL", tags=["blue", "sale"]
        )
        service = ProductFactory(organization=org_a, category=None, product_type="SERVICE")
        client = jwt_client(admin_a)

        def ids(**params):
            return {row["id"] for row in results(client.get(PRODUCTS_URL, params))}

        assert ids(category=gadgets.pk) == {red.pk}
        assert ids(category_slug=tools.slug) == {blue.pk}
        assert ids(product_type="SERVICE") == {service.pk}
        assert ids(tags="red,blue") == {red.pk, blue.pk}
        assert ids(tags="SALE") == {red.pk, blue.pk}
        assert ids(tags_all="red,sale") == {red.pk}
        assert ids(tags_all="red,blue") == set()
        assert ids(status="draft") == {red.pk, blue.pk, service.pk}
        assert ids(search=red.sku) == {red.pk}
        response = client.get(PRODUCTS_URL, {"is_sellable": "perhaps"})
        assert response.status_code == 400
