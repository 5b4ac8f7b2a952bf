"""A document about a record: only a record the caller may view, in the document's
organization; the documents of a record are listed by filter."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.files.tests.factories import PDF
from api.v1.base_models.organization.tests.factories import model_permissions, permissions_named
from api.v1.features.documents.models import Document
from api.v1.features.documents.tests.factories import DocumentFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sees_products(manager_role):
    manager_role.permissions.add(*permissions_named(*model_permissions(Product, "view")))
    return manager_role


def create(client, org, **fields):
    return client.post(
        "/api/v1/documents/",
        {
            "organization": org.pk,
            "title": "Datasheet",
            "file": SimpleUploadedFile("sheet.pdf", PDF),
            **fields,
        },
        format="multipart",
    )


def test_a_document_about_a_visible_record(sees_products, manager_client, org):
    product = ProductFactory(organization=org)
    response = create(
        manager_client, org, content_type="products.product", object_id=str(product.pk)
    )
    assert response.status_code == 201, response.content
    assert (response.json()["content_type"], response.json()["object_id"]) == (
        "products.product",
        str(product.pk),
    )
    assert Document.objects.get().record == product

    DocumentFactory(organization=org)  # about nothing
    listed = manager_client.get(
        "/api/v1/documents/", {"content_type": "products.product", "object_id": product.pk}
    ).json()
    assert [row["id"] for row in listed["results"]] == [response.json()["id"]]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content_type": "products.product", "object_id": "99999999999999999999999"}, "object_id"),
        ({"content_type": "products.product", "object_id": "abc"}, "object_id"),
        ({"content_type": "products.product"}, "object_id"),
        ({"object_id": "1"}, "content_type"),
        ({"content_type": "audit.auditlog", "object_id": "1"}, "content_type"),
        ({"content_type": "common.currency", "object_id": "EUR"}, "content_type"),
        ({"content_type": "nothing.here", "object_id": "1"}, "content_type"),
    ],
)
def test_bad_links_are_400(sees_products, manager_client, org, fields, field):
    response = create(manager_client, org, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Document.objects.exists()


def test_a_record_of_another_organization_is_as_unknown(sees_products, manager_client, org, org_b):
    product = ProductFactory(organization=org_b)
    response = create(
        manager_client, org, content_type="products.product", object_id=str(product.pk)
    )
    assert response.status_code == 400
    assert "among those you may see" in str(response.json()["object_id"])
    assert not Document.objects.exists()


def test_a_record_the_role_may_not_view_is_as_unknown(manager_client, org):
    product = ProductFactory(organization=org)  # the manager's role has no product rights
    response = create(
        manager_client, org, content_type="products.product", object_id=str(product.pk)
    )
    assert response.status_code == 400
    assert "object_id" in response.json()


def test_the_record_must_be_in_the_documents_organization(
    jwt_client, member, org, org_b, sees_products
):
    user = member(org, sees_products)
    member(org_b, sees_products, user=user)
    product_b = ProductFactory(organization=org_b)
    response = create(
        jwt_client(user), org, content_type="products.product", object_id=str(product_b.pk)
    )
    assert response.status_code == 400
    assert "another organization" in str(response.json()["object_id"])

    document = DocumentFactory(organization=org)
    response = jwt_client(user).patch(
        f"/api/v1/documents/{document.pk}/",
        {"content_type": "products.product", "object_id": str(product_b.pk)},
        format="json",
    )
    assert response.status_code == 400
    document.refresh_from_db()
    assert document.content_type is None


def test_a_link_is_removed_with_a_null_type(sees_products, manager_client, org):
    product = ProductFactory(organization=org)
    created = create(
        manager_client, org, content_type="products.product", object_id=str(product.pk)
    ).json()
    response = manager_client.patch(
        f"/api/v1/documents/{created['id']}/",
        {"content_type": None, "object_id": ""},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["content_type"], response.json()["object_id"]) == (None, "")


def test_an_unknown_content_type_filter_lists_nothing(manager_client, org):
    DocumentFactory(organization=org)
    response = manager_client.get("/api/v1/documents/", {"content_type": "no.such"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
