"""GET <resource>/{id}/history/ on organizations, contacts, memberships and categories."""

import pytest
from rest_framework.test import APIClient

from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import OrganizationMembership

from ..conftest import ADMINISTRATOR, AUDITOR, MEMBER
from ..helpers import rows_of

pytestmark = pytest.mark.django_db


def history(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "count_is_exact", "next", "previous", "results"}
    assert body["count_is_exact"] is True
    return body["results"]


def test_a_membership_role_change(jwt_client, admin_p, org_p, member_of, role):
    member = member_of(org_p, MEMBER, username="member")
    membership = OrganizationMembership.objects.get(user=member, organization=org_p)
    url = f"/api/v1/organization-memberships/{membership.pk}/"
    client = jwt_client(admin_p)
    response = client.patch(url, {"role": role(AUDITOR).pk}, format="json")
    assert response.status_code == 200, response.content
    rows = history(client, f"{url}history/")
    assert [row["action_type"] for row in rows] == ["UPDATE", "CREATE"]
    update = rows[0]
    assert update["changes"] == {"role": {"old": role(MEMBER).pk, "new": role(AUDITOR).pk}}
    assert update["user"] == admin_p.pk
    assert update["organization"] == org_p.pk
    assert update["request_id"] == response["X-Request-ID"]
    assert update["content_type"] == "organization.organizationmembership"
    # Deactivating the membership is a change too; deleting it, the last row.
    client.patch(url, {"is_active": False}, format="json")
    assert client.delete(url).status_code == 204
    rows = history(client, f"{url}history/")
    assert [row["action_type"] for row in rows] == ["DELETE", "UPDATE", "UPDATE", "CREATE"]
    assert rows[1]["changes"] == {"is_active": {"old": True, "new": False}}


def test_history_is_newest_first_and_paginated(jwt_client, admin_p, org_p):
    contact = ContactFactory(organization=org_p, first_name="V0")
    for number in range(1, 5):
        contact.first_name = f"V{number}"
        contact.save()
    client = jwt_client(admin_p)
    rows = history(client, f"/api/v1/contacts/{contact.pk}/history/")
    assert [row["action_type"] for row in rows] == ["UPDATE"] * 4 + ["CREATE"]
    assert [row["changes"]["first_name"]["new"] for row in rows] == [
        "V4",
        "V3",
        "V2",
        "V1",
        "V0",
    ]
    page = client.get(f"/api/v1/contacts/{contact.pk}/history/", {"page_size": 2}).json()
    assert page["count"] == 5
    assert [row["changes"]["first_name"]["new"] for row in page["results"]] == ["V4", "V3"]


def test_history_needs_the_audit_permission(jwt_client, org_p, member_of):
    contact = ContactFactory(organization=org_p)
    url = f"/api/v1/contacts/{contact.pk}/history/"
    assert APIClient().get(url).status_code == 401
    # A member may work with the contact, but not read its audit log.
    member = member_of(org_p, MEMBER)
    assert jwt_client(member).get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    assert jwt_client(member).get(url).status_code == 403
    # An auditor reads it.
    auditor = member_of(org_p, AUDITOR)
    assert [row["action_type"] for row in history(jwt_client(auditor), url)] == ["CREATE"]


def test_history_of_an_organization_holds_its_own_rows_only(jwt_client, admin_p, org_p):
    ContactFactory(organization=org_p)  # a row of P that is not about P
    client = jwt_client(admin_p)
    rows = history(client, f"/api/v1/organizations/{org_p.pk}/history/")
    assert {row["content_type"] for row in rows} == {"organization.organization"}
    assert {row["object_id"] for row in rows} == {str(org_p.pk)}
    assert len(rows) == rows_of(org_p).count() == 1


class TestCategories:
    """Categories are looked up by slug; their rows have no organization, so only
    holders of the global permission read them."""

    def test_by_slug(self, jwt_client, global_auditor, user):
        from django.contrib.auth.models import Permission

        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="common", codename__endswith="category"
            )
        )
        client = jwt_client(user)
        created = client.post(
            "/api/v1/categories/",
            {"name": "Gadgets", "category_type": "PRODUCT"},
            format="json",
        )
        assert created.status_code == 201, created.content
        slug = created.json()["slug"]
        changed = client.patch(
            f"/api/v1/categories/{slug}/", {"description": "Small things"}, format="json"
        )
        assert changed.status_code == 200, changed.content
        rows = history(jwt_client(global_auditor), f"/api/v1/categories/{slug}/history/")
        assert [row["action_type"] for row in rows] == ["UPDATE", "CREATE"]
        assert rows[0]["changes"] == {"description": {"old": "", "new": "Small things"}}
        assert rows[0]["user"] == user.pk
        assert rows[0]["organization"] is None
        assert rows[0]["request_id"] == changed["X-Request-ID"]
        assert rows[0]["content_type"] == "common.category"

    def test_an_organization_auditor_reads_none_of_them(
        self, jwt_client, member_of, org_p, global_auditor
    ):
        category = CategoryFactory()
        url = f"/api/v1/categories/{category.slug}/history/"
        assert len(history(jwt_client(global_auditor), url)) == 1
        assert history(jwt_client(member_of(org_p, ADMINISTRATOR)), url) == []

    def test_a_deleted_category_has_no_history_by_slug(self, jwt_client, global_auditor):
        category = CategoryFactory()
        slug, pk = category.slug, category.pk
        category.delete()
        # The rows remain (by primary key), the slug no longer leads to them.
        assert [row.action_type for row in rows_of(category, pk)] == ["CREATE", "DELETE"]
        url = f"/api/v1/categories/{slug}/history/"
        assert jwt_client(global_auditor).get(url).status_code == 404

    def test_an_unknown_slug(self, jwt_client, global_auditor):
        url = "/api/v1/categories/no-such-category/history/"
        assert jwt_client(global_auditor).get(url).status_code == 404


class TestAnotherOrganization:
    """Another organization's record, live or deleted, is a 404 like an unknown id: its
    history neither shows nor confirms anything."""

    def test_a_live_record(self, jwt_client, org_q, admin_p):
        contact = ContactFactory(organization=org_q)
        client = jwt_client(admin_p)
        assert client.get(f"/api/v1/contacts/{contact.pk}/history/").status_code == 404
        unknown = f"/api/v1/contacts/{contact.pk + 1000}/history/"
        assert client.get(unknown).status_code == 404

    def test_a_deleted_record(self, jwt_client, org_q, admin_p, admin_q):
        contact = ContactFactory(organization=org_q)
        url = f"/api/v1/contacts/{contact.pk}/history/"
        contact.delete()
        assert jwt_client(admin_p).get(url).status_code == 404
        # Its own organization still reads it.
        rows = history(jwt_client(admin_q), url)
        assert [row["action_type"] for row in rows] == ["DELETE", "CREATE"]
