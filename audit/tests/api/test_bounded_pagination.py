"""The audit log's lists count at most PAGINATION_COUNT_LIMIT rows, or as far as the end
of a page past them (core.pagination.BoundedCountPagination), and every row stays
reachable by the `next` links."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.v1.base_models.contact.tests.factories import ContactFactory
from audit.models import AuditLog

from ..helpers import AUDIT_LOGS_URL, insert_row

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture
def rows(settings):
    """Ten rows, a minute apart, beyond a count limit of 3."""
    settings.PAGINATION_COUNT_LIMIT = LIMIT
    now = timezone.now()
    for minutes in range(10):
        insert_row(now - datetime.timedelta(minutes=minutes), object_id=f"row-{minutes}")


def test_the_list_walks_every_row_past_the_count_limit(rows, jwt_client, global_auditor):
    client = jwt_client(global_auditor)
    expected = list(AuditLog.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert len(expected) > LIMIT
    listed = []
    response = client.get(AUDIT_LOGS_URL, {"page_size": 4})
    for number in range(1, 100):
        assert response.status_code == 200, response.content
        body = response.json()
        # Counted as far as the end of the page (past the limit of 3).
        counted = max(LIMIT, 4 * number)
        exact = len(expected) <= counted
        assert (body["count"], body["count_is_exact"]) == (
            len(expected) if exact else counted,
            exact,
        )
        listed += [row["id"] for row in body["results"]]
        if body["next"] is None:
            break
        response = client.get(body["next"])
    assert listed == expected
    last = -(-len(expected) // 4)
    assert client.get(AUDIT_LOGS_URL, {"page_size": 4, "page": last + 1}).status_code == 404


def test_a_filtered_list_within_the_limit_is_counted_exactly(rows, jwt_client, global_auditor):
    body = jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"object_id": "row-4"}).json()
    assert (body["count"], body["count_is_exact"]) == (1, True)


def test_a_deep_page_runs_as_many_queries_as_the_first(rows, jwt_client, global_auditor):
    client = jwt_client(global_auditor)
    client.get(AUDIT_LOGS_URL)  # fills the per-process caches (content types)

    def queries(page):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(AUDIT_LOGS_URL, {"page_size": 2, "page": page})
        assert response.status_code == 200, response.content
        return len(captured)

    assert queries(1) == queries(2) == queries(5)


def test_the_history_is_paginated_alike(settings, jwt_client, admin_p, org_p):
    settings.PAGINATION_COUNT_LIMIT = 2
    contact = ContactFactory(organization=org_p, first_name="V0")
    for number in range(1, 4):
        contact.first_name = f"V{number}"
        contact.save()
    client = jwt_client(admin_p)
    url = f"/api/v1/contacts/{contact.pk}/history/"
    first = client.get(url, {"page_size": 3}).json()
    assert (first["count"], first["count_is_exact"]) == (3, False)
    second = client.get(first["next"]).json()
    assert (second["count"], second["count_is_exact"], second["next"]) == (4, True, None)
    names = [row["changes"]["first_name"]["new"] for row in first["results"] + second["results"]]
    assert names == ["V3", "V2", "V1", "V0"]


def test_the_schema_shows_count_is_exact(api_client):
    schema = json.loads(api_client.get("/api/schema/?format=json").content)
    page = schema["components"]["schemas"]["PaginatedAuditLogList"]
    assert page["properties"]["count_is_exact"]["type"] == "boolean"
    assert "count_is_exact" in page["required"]
    for path in ("/api/v1/audit-logs/", "/api/v1/contacts/{id}/history/"):
        response = schema["paths"][path]["get"]["responses"]["200"]
        ref = response["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/PaginatedAuditLogList"
