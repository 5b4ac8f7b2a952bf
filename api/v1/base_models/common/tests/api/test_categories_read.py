"""GET /api/v1/categories/ and /categories/<slug>/: public reads of the category trees."""

import pytest

from api.v1.base_models.common.models import Category
from api.v1.base_models.common.tests.factories import CategoryFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("category")

CATEGORY_FIELDS = {
    "id",
    "name",
    "slug",
    "description",
    "parent",
    "parent_slug",
    "category_type",
    "level",
    "is_active",
    "custom_fields",
    "created_at",
    "updated_at",
}


def test_list_is_public_and_paginated(api_client, tree):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 6
    assert response.data["next"] is None
    assert set(response.data["results"][0]) == CATEGORY_FIELDS


def test_empty_list(api_client):
    assert api_client.get(URL).data == {"count": 0, "next": None, "previous": None, "results": []}


def test_list_is_in_tree_order(api_client, tree):
    response = api_client.get(URL, {"category_type": "PRODUCT"})

    # Depth first, siblings and roots by name.
    assert keys(response, "name") == ["Furniture", "Chairs", "Office Chairs", "Tables", "Lighting"]


def test_page_size_is_capped_at_100(api_client):
    CategoryFactory.create_batch(101)

    response = api_client.get(URL, {"page_size": 1000})

    assert response.data["count"] == 101
    assert len(response.data["results"]) == 100
    assert response.data["next"] is not None


def test_retrieve_by_slug(api_client, tree):
    response = api_client.get(detail_url("category", "office-chairs"))

    assert response.status_code == 200
    assert set(response.data) == CATEGORY_FIELDS
    assert response.data["id"] == tree["office"].pk
    assert response.data["name"] == "Office Chairs"
    assert response.data["slug"] == "office-chairs"
    assert response.data["parent"] == tree["chairs"].pk
    assert response.data["parent_slug"] == "chairs"
    assert response.data["category_type"] == "PRODUCT"
    assert response.data["level"] == 2
    assert response.data["is_active"] is True
    assert response.data["custom_fields"] == {}


def test_retrieve_root(api_client, tree):
    response = api_client.get(detail_url("category", "furniture"))

    assert response.data["parent"] is None
    assert response.data["parent_slug"] is None
    assert response.data["level"] == 0
    assert response.data["description"] == "Things to sit on or at."


@pytest.mark.parametrize("slug", ["unknown", "Furniture", "1"])
def test_retrieve_unknown_slug_is_404(api_client, tree, slug):
    assert api_client.get(detail_url("category", slug)).status_code == 404


def test_reads_are_not_cached(api_client, tree):
    assert api_client.get(detail_url("category", "tables")).data["name"] == "Tables"

    Category.objects.filter(pk=tree["tables"].pk).update(name="Desks")

    assert api_client.get(detail_url("category", "tables")).data["name"] == "Desks"


# ------------------------------------------------------------------------------ filters
def test_inactive_categories_are_only_listed_on_request(api_client, tree):
    tree["tables"].is_active = False
    tree["tables"].save()

    default = keys(api_client.get(URL), "slug")
    inactive = keys(api_client.get(URL, {"is_active": "false"}), "slug")
    active = keys(api_client.get(URL, {"is_active": "true"}), "slug")
    detail = api_client.get(detail_url("category", "tables"))

    assert "tables" not in default
    assert len(default) == 5
    assert inactive == ["tables"]
    assert active == default
    assert detail.status_code == 200
    assert detail.data["is_active"] is False


def test_children_of_an_inactive_category_are_still_listed(api_client, tree):
    tree["chairs"].is_active = False
    tree["chairs"].save()

    assert "office-chairs" in keys(api_client.get(URL), "slug")


@pytest.mark.parametrize(
    ("category_type", "expected"),
    [
        ("PRODUCT", {"furniture", "chairs", "office-chairs", "tables", "lighting"}),
        ("DOCUMENT_TYPE", {"invoices"}),
        ("ASSET_TYPE", set()),
    ],
)
def test_filter_by_type(api_client, tree, category_type, expected):
    response = api_client.get(URL, {"category_type": category_type})

    assert response.status_code == 200
    assert set(keys(response, "slug")) == expected


@pytest.mark.parametrize("category_type", ["BAD", "product"])
def test_filter_by_unknown_type_is_400(api_client, tree, category_type):
    response = api_client.get(URL, {"category_type": category_type})

    assert response.status_code == 400
    assert "category_type" in response.data


def test_filter_by_parent_id(api_client, tree):
    response = api_client.get(URL, {"parent": tree["furniture"].pk})

    assert keys(response, "slug") == ["chairs", "tables"]


def test_filter_by_parent_slug(api_client, tree):
    assert keys(api_client.get(URL, {"parent__slug": "chairs"}), "slug") == ["office-chairs"]
    assert keys(api_client.get(URL, {"parent__slug": "lighting"}), "slug") == []


def test_filter_by_unknown_parent_slug_is_empty(api_client, tree):
    response = api_client.get(URL, {"parent__slug": "unknown"})

    assert response.status_code == 200
    assert response.data["count"] == 0


@pytest.mark.parametrize("parent", ["999999", "abc"])
def test_filter_by_unknown_parent_id_is_400(api_client, tree, parent):
    response = api_client.get(URL, {"parent": parent})

    assert response.status_code == 400
    assert "parent" in response.data


@pytest.mark.parametrize(
    ("is_root", "expected"),
    [
        ("true", ["furniture", "lighting", "invoices"]),
        ("false", ["chairs", "office-chairs", "tables"]),
    ],
)
def test_filter_roots(api_client, tree, is_root, expected):
    response = api_client.get(URL, {"is_root": is_root})

    assert set(keys(response, "slug")) == set(expected)
    assert response.data["count"] == len(expected)


def test_filters_combine(api_client, tree):
    response = api_client.get(URL, {"is_root": "true", "category_type": "PRODUCT"})

    assert keys(response, "slug") == ["furniture", "lighting"]


# ------------------------------------------------------------------------ search, order
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("chair", {"chairs", "office-chairs"}),  # name
        ("office-", {"office-chairs"}),  # slug
        ("sit on", {"furniture"}),  # description
        ("INVOICE", {"invoices"}),  # any case
        ("nothing", set()),
    ],
)
def test_search(api_client, tree, search, expected):
    assert set(keys(api_client.get(URL, {"search": search}), "slug")) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["chairs", "furniture", "invoices", "lighting", "office-chairs", "tables"]),
        ("-slug", ["tables", "office-chairs", "lighting", "invoices", "furniture", "chairs"]),
        ("-level,name", ["office-chairs", "chairs", "tables", "furniture", "invoices", "lighting"]),
    ],
)
def test_ordering(api_client, tree, ordering, expected):
    assert keys(api_client.get(URL, {"ordering": ordering}), "slug") == expected


def test_ordering_by_creation(api_client, tree):
    rows = api_client.get(URL, {"ordering": "-created_at"}).data["results"]

    created = [row["created_at"] for row in rows]
    assert created == sorted(created, reverse=True)
    assert rows[0]["slug"] == "invoices"
    assert rows[-1]["slug"] == "furniture"
