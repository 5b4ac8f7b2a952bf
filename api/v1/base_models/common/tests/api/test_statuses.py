"""GET /api/v1/statuses/: shared status values, public, by slug."""

import pytest

from api.v1.base_models.common.models import Status
from api.v1.base_models.common.tests.factories import StatusFactory

from .helpers import detail_url, keys, list_url

pytestmark = pytest.mark.django_db

URL = list_url("status")

STATUS_FIELDS = {
    "slug",
    "name",
    "description",
    "category",
    "color",
    "custom_fields",
    "created_at",
    "updated_at",
}


def test_list_is_public_and_paginated(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 11
    assert response.data["next"] is None
    assert response.data["previous"] is None
    assert set(response.data["results"][0]) == STATUS_FIELDS
    assert set(keys(response, "slug")) == set(Status.objects.values_list("slug", flat=True))


def test_list_is_ordered_by_category_then_name(api_client):
    rows = api_client.get(URL).data["results"]

    assert [(row["category"], row["name"]) for row in rows] == [
        ("Approval", "Approved"),
        ("Approval", "Pending Approval"),
        ("Approval", "Rejected"),
        ("General", "Active"),
        ("General", "Archived"),
        ("General", "Discontinued"),
        ("General", "Draft"),
        ("General", "Inactive"),
        ("Process", "Cancelled"),
        ("Process", "Completed"),
        ("Process", "Pending"),
    ]


def test_page_size_is_capped_at_100(api_client):
    StatusFactory.create_batch(95)

    response = api_client.get(URL, {"page_size": 500})

    assert response.data["count"] == 106
    assert len(response.data["results"]) == 100
    assert response.data["next"] is not None


def test_retrieve_by_slug(api_client):
    response = api_client.get(detail_url("status", "active"))

    assert response.status_code == 200
    assert response.data == {
        **response.data,
        "slug": "active",
        "name": "Active",
        "category": "General",
        "color": "#4CAF50",
        "description": "Record is active and in use.",
        "custom_fields": {},
    }
    assert set(response.data) == STATUS_FIELDS


def test_retrieve_slug_with_underscore(api_client):
    response = api_client.get(detail_url("status", "pending_approval"))

    assert response.status_code == 200
    assert response.data["name"] == "Pending Approval"


@pytest.mark.parametrize("slug", ["unknown", "Active", "activ"])
def test_retrieve_unknown_slug_is_404(api_client, slug):
    assert api_client.get(detail_url("status", slug)).status_code == 404


def test_filter_by_category(api_client):
    response = api_client.get(URL, {"category": "Approval"})

    assert response.status_code == 200
    assert keys(response, "slug") == ["approved", "pending_approval", "rejected"]


def test_filter_by_category_is_exact(api_client):
    assert keys(api_client.get(URL, {"category": "approval"}), "slug") == []
    assert keys(api_client.get(URL, {"category": "Approv"}), "slug") == []


def test_filter_by_unknown_category_is_empty(api_client):
    response = api_client.get(URL, {"category": "Nothing"})

    assert response.status_code == 200
    assert response.data["count"] == 0


def test_filter_by_empty_category(api_client):
    StatusFactory(slug="uncategorised", name="Uncategorised", category="")

    # An empty value means "no filter" to django-filter.
    assert api_client.get(URL, {"category": ""}).data["count"] == 12


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("zebra_crossing", ["zebra_crossing"]),  # slug
        ("Zebra Crossing", ["zebra_crossing"]),  # name
        ("striped", ["zebra_crossing"]),  # description
        ("Road Signs", ["zebra_crossing"]),  # category
        ("road sign", ["zebra_crossing"]),  # any case
    ],
)
def test_search(api_client, search, expected):
    StatusFactory(
        slug="zebra_crossing",
        name="Zebra Crossing",
        description="A striped pedestrian crossing.",
        category="Road Signs",
    )

    assert keys(api_client.get(URL, {"search": search}), "slug") == expected


def test_search_matches_several_fields(api_client):
    slugs = keys(api_client.get(URL, {"search": "approv"}), "slug")

    # "Approval" category, "approved" in a description, "approval" in pending's.
    assert slugs == ["approved", "pending_approval", "rejected", "pending"]


@pytest.mark.parametrize("ordering", ["slug", "-slug", "name", "-name"])
def test_ordering(api_client, ordering):
    field = ordering.lstrip("-")

    values = keys(api_client.get(URL, {"ordering": ordering}), field)

    assert values == sorted(values, reverse=ordering.startswith("-"))
    assert len(values) == 11


def test_ordering_by_category_descending(api_client):
    rows = api_client.get(URL, {"ordering": "-category,name"}).data["results"]

    assert [row["category"] for row in rows] == ["Process"] * 3 + ["General"] * 5 + ["Approval"] * 3
    assert [row["name"] for row in rows[:3]] == ["Cancelled", "Completed", "Pending"]
