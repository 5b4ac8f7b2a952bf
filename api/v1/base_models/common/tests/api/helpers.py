"""URLs and small helpers of the reference data API tests."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def list_url(basename: str) -> str:
    return reverse(f"api-v1:{basename}-list")


def detail_url(basename: str, key) -> str:
    return reverse(f"api-v1:{basename}-detail", args=[key])


def tree_url(category_type: str) -> str:
    return reverse("api-v1:category-tree", kwargs={"category_type": category_type})


def keys(response, field: str) -> list:
    """The `field` of each result of a paginated list response, in order."""
    return [row[field] for row in response.data["results"]]


def get_uncached(client, url, params=None):
    """GET with an empty response cache, counting the database queries.

    Returns (response, number of queries)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return response, len(queries)
