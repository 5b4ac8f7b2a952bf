"""The issue's scenario, as a client sees it: an organization administrator changes a
sub-organization and a contact over the API (real JWT), then reads their history."""

import pytest

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization
from audit.models import AuditLog

from ..helpers import AUDIT_LOGS_URL, audit_log_url, rows_of

pytestmark = pytest.mark.django_db


def lifecycle(client, list_url, create_payload, field, new_value):
    """Create, change one field, "change" nothing twice, delete: the record's id and the
    X-Request-ID of each response that changed something."""
    created = client.post(list_url, create_payload, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    detail = f"{list_url}{pk}/"
    changed = client.patch(detail, {field: new_value}, format="json")
    assert changed.status_code == 200, changed.content
    unchanged = []
    for no_change in ({}, {field: new_value}):
        response = client.patch(detail, no_change, format="json")
        assert response.status_code == 200, response.content
        unchanged.append(response["X-Request-ID"])
    deleted = client.delete(detail)
    assert deleted.status_code == 204, deleted.content
    return pk, {
        "CREATE": created["X-Request-ID"],
        "UPDATE": changed["X-Request-ID"],
        "DELETE": deleted["X-Request-ID"],
        "unchanged": unchanged,
    }


@pytest.fixture
def scenario(jwt_client, admin_p, org_p):
    client = jwt_client(admin_p)
    org_pk, org_requests = lifecycle(
        client,
        "/api/v1/organizations/",
        {"name": "Child C", "code": "CHILD-C", "organization_type": "Company", "parent": org_p.pk},
        "name",
        "Child C renamed",
    )
    contact_pk, contact_requests = lifecycle(
        client,
        "/api/v1/contacts/",
        {"organization": org_p.pk, "first_name": "Ada", "last_name": "Lovelace"},
        "title",
        "Analyst",
    )
    return {
        "organization": (org_pk, org_requests, "name", "Child C", "Child C renamed"),
        "contact": (contact_pk, contact_requests, "title", "", "Analyst"),
    }


TARGETS = {
    "organization": (Organization, "organization.organization", "/api/v1/organizations/"),
    "contact": (Contact, "contact.contact", "/api/v1/contacts/"),
}


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_history(rows, expected, admin, org_p):
    pk, requests, field, old, new = expected
    assert [row["action_type"] for row in rows] == ["DELETE", "UPDATE", "CREATE"]
    for row in rows:
        assert row["object_id"] == str(pk)
        assert row["user"] == admin.pk
        assert row["user_repr"] == admin.username
        # A sub-organization's history belongs to its parent; the contact is P's.
        assert row["organization"] == org_p.pk
        assert row["request_id"] == requests[row["action_type"]]
        assert row["context"]["ip_address"] == "127.0.0.1"
    delete, update, create = rows
    assert update["changes"] == {field: {"old": old, "new": new}}
    assert delete["changes"] is None
    assert create["changes"]  # its initial values: see test_what_the_creation_recorded


@pytest.mark.parametrize("target", ["organization", "contact"])
def test_the_audit_log_list_filtered_by_object(scenario, target, jwt_client, admin_p, org_p):
    model, label, _url = TARGETS[target]
    pk = scenario[target][0]
    assert not model.objects.filter(pk=pk).exists()
    rows = results(
        jwt_client(admin_p).get(AUDIT_LOGS_URL, {"content_type": label, "object_id": pk})
    )
    assert [row["content_type"] for row in rows] == [label] * 3
    assert_history(rows, scenario[target], admin_p, org_p)
    # The database holds exactly these three rows of the object, and the requests that
    # changed nothing wrote nothing at all.
    assert rows_of(model, pk).count() == 3
    assert not AuditLog.objects.filter(request_id__in=scenario[target][1]["unchanged"]).exists()


@pytest.mark.parametrize("target", ["organization", "contact"])
def test_the_history_endpoint_after_the_delete(scenario, target, jwt_client, admin_p, org_p):
    _model, _label, url = TARGETS[target]
    pk = scenario[target][0]
    rows = results(jwt_client(admin_p).get(f"{url}{pk}/history/"))
    assert_history(rows, scenario[target], admin_p, org_p)


def test_what_the_creation_recorded(scenario, jwt_client, admin_p, org_p):
    client = jwt_client(admin_p)
    org_pk = scenario["organization"][0]
    created = results(client.get(f"/api/v1/organizations/{org_pk}/history/"))[-1]
    assert created["changes"] == {
        "name": {"old": None, "new": "Child C"},
        "code": {"old": None, "new": "CHILD-C"},
        "organization_type": {"old": None, "new": "Company"},
        "status": {"old": None, "new": "active"},
        "parent": {"old": None, "new": org_p.pk},
        "timezone": {"old": None, "new": "UTC"},
        "language": {"old": None, "new": "en"},
    }
    contact_pk = scenario["contact"][0]
    created = results(client.get(f"/api/v1/contacts/{contact_pk}/history/"))[-1]
    assert created["changes"] == {
        "organization": {"old": None, "new": org_p.pk},
        "first_name": {"old": None, "new": "Ada"},
        "last_name": {"old": None, "new": "Lovelace"},
        "contact_type": {"old": None, "new": "primary"},
        "status": {"old": None, "new": "active"},
    }


def test_the_administrator_of_another_organization_sees_none_of_it(
    scenario, jwt_client, admin_q, admin_p, org_p
):
    client = jwt_client(admin_q)
    # Q's administrator may read the audit log (of Q).
    assert client.get(AUDIT_LOGS_URL).status_code == 200
    everything = results(client.get(AUDIT_LOGS_URL, {"page_size": 100}))
    assert all(row["organization"] != org_p.pk for row in everything)
    assert all(row["user"] != admin_p.pk for row in everything)
    for target, (_model, label, url) in TARGETS.items():
        pk = scenario[target][0]
        # By id alone Q may find rows of its own records of other types with that id.
        same_id = results(client.get(AUDIT_LOGS_URL, {"object_id": pk}))
        assert all(row["content_type"] != label for row in same_id)
        for query in (
            {"content_type": label, "object_id": pk},
            {"organization": org_p.pk},
            {"user": admin_p.pk},
            {"request_id": scenario[target][1]["UPDATE"]},
        ):
            assert results(client.get(AUDIT_LOGS_URL, query)) == [], query
        # The deleted record's history is a 404, as an unknown id's.
        assert client.get(f"{url}{pk}/history/").status_code == 404
    # P's administrator reads the rows; Q's gets a 404 for each of them.
    own = results(jwt_client(admin_p).get(AUDIT_LOGS_URL, {"organization": org_p.pk}))
    assert len(own) >= 6
    for row in own:
        assert client.get(audit_log_url(row["id"])).status_code == 404
        assert jwt_client(admin_p).get(audit_log_url(row["id"])).status_code == 200
