"""GET /api/v1/audit-logs/: who reads what, filters, ordering, pagination, no writes."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from audit.choices import AuditAction
from audit.models import AuditLog
from audit.services import log_audit_event

from ..conftest import AUDITOR, MEMBER
from ..helpers import AUDIT_LOGS_URL, audit_log_url, days_ago, insert_row

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response):
    return {row["id"] for row in results(response)}


@pytest.fixture
def world(org_p, org_q, member_of, global_auditor, superuser):
    """One row in P, one in Q, one without organization (a login failure)."""
    contact_p = ContactFactory(organization=org_p, first_name="Paula")
    contact_q = ContactFactory(organization=org_q, first_name="Quentin")
    logs = AuditLog.objects.order_by("-id")
    row_p = logs.filter(object_id=str(contact_p.pk), content_type__model="contact").get()
    row_q = logs.filter(object_id=str(contact_q.pk), content_type__model="contact").get()
    log_audit_event(AuditAction.LOGIN_FAILED, context={"username_attempt": "nobody"})
    row_none = logs.filter(action_type=AuditAction.LOGIN_FAILED).first()
    return {
        "p": row_p,
        "q": row_q,
        "none": row_none,
        "auditor_p": member_of(org_p, AUDITOR, username="auditor_p"),
        "member_p": member_of(org_p, MEMBER, username="member_p"),
        "contact_p": contact_p,
        "contact_q": contact_q,
    }


class TestWhoReadsWhat:
    def test_anonymous_is_refused(self, world):
        assert APIClient().get(AUDIT_LOGS_URL).status_code == 401
        assert APIClient().get(audit_log_url(world["p"].pk)).status_code == 401

    def test_a_member_whose_role_lacks_the_permission_is_refused(self, world, jwt_client):
        client = jwt_client(world["member_p"])
        assert client.get(AUDIT_LOGS_URL).status_code == 403
        assert client.get(audit_log_url(world["p"].pk)).status_code == 403

    def test_a_user_without_any_membership_is_refused(self, world, jwt_client, user):
        assert jwt_client(user).get(AUDIT_LOGS_URL).status_code == 403

    def test_an_organization_auditor_reads_only_their_organizations(self, world, jwt_client):
        client = jwt_client(world["auditor_p"])
        listed = ids(client.get(AUDIT_LOGS_URL, {"page_size": 100}))
        assert world["p"].pk in listed
        assert world["q"].pk not in listed
        assert world["none"].pk not in listed
        assert client.get(audit_log_url(world["p"].pk)).status_code == 200
        assert client.get(audit_log_url(world["q"].pk)).status_code == 404
        assert client.get(audit_log_url(world["none"].pk)).status_code == 404

    @pytest.mark.parametrize("who", ["global_auditor", "superuser"])
    def test_the_global_permission_reads_everything(self, world, jwt_client, who, request):
        client = jwt_client(request.getfixturevalue(who))
        listed = ids(client.get(AUDIT_LOGS_URL, {"page_size": 100}))
        assert {world["p"].pk, world["q"].pk, world["none"].pk} <= listed
        assert client.get(AUDIT_LOGS_URL).json()["count"] == AuditLog.objects.count()
        for key in ("p", "q", "none"):
            assert client.get(audit_log_url(world[key].pk)).status_code == 200

    def test_an_inactive_auditor_membership_reads_nothing(self, world, jwt_client):
        world["auditor_p"].organization_memberships.update(is_active=False)
        assert jwt_client(world["auditor_p"]).get(AUDIT_LOGS_URL).status_code == 403

    def test_the_row_as_served(self, world, jwt_client, org_p):
        row = jwt_client(world["auditor_p"]).get(audit_log_url(world["p"].pk)).json()
        assert set(row) == {
            "id",
            "created_at",
            "action_type",
            "user",
            "user_repr",
            "organization",
            "content_type",
            "object_id",
            "object_repr",
            "changes",
            "context",
            "request_id",
        }
        assert row["action_type"] == "CREATE"
        assert row["content_type"] == "contact.contact"
        assert row["organization"] == org_p.pk
        assert row["object_id"] == str(world["contact_p"].pk)
        assert row["object_repr"] == str(world["contact_p"])
        assert row["changes"]["first_name"] == {"old": None, "new": "Paula"}


class TestNoWrites:
    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_write_methods_are_not_allowed(self, world, jwt_client, superuser, method):
        client = jwt_client(superuser)
        before = AuditLog.objects.count()
        url = AUDIT_LOGS_URL if method == "post" else audit_log_url(world["p"].pk)
        response = getattr(client, method)(url, {"action_type": "DELETE"}, format="json")
        assert response.status_code == 405
        assert AuditLog.objects.count() == before
        assert AuditLog.objects.get(pk=world["p"].pk).action_type == "CREATE"


class TestFilters:
    def test_by_user(self, world, jwt_client, global_auditor, admin_p):
        client = jwt_client(admin_p)
        response = client.patch(
            f"/api/v1/contacts/{world['contact_p'].pk}/", {"title": "Buyer"}, format="json"
        )
        assert response.status_code == 200
        rows = results(jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"user": admin_p.pk}))
        assert [(row["action_type"], row["object_id"]) for row in rows] == [
            ("UPDATE", str(world["contact_p"].pk))
        ]

    def test_by_organization(self, world, jwt_client, global_auditor, org_q):
        rows = results(jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"organization": org_q.pk}))
        assert {row["organization"] for row in rows} == {org_q.pk}
        assert world["q"].pk in {row["id"] for row in rows}

    def test_by_action_type(self, world, jwt_client, global_auditor):
        rows = results(
            jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"action_type": "LOGIN_FAILED"})
        )
        assert [row["id"] for row in rows] == [world["none"].pk]
        response = jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"action_type": "EXPLODE"})
        assert response.status_code == 400

    def test_by_content_type_and_object_id(self, world, jwt_client, global_auditor):
        client = jwt_client(global_auditor)
        rows = results(
            client.get(
                AUDIT_LOGS_URL,
                {"content_type": "contact.contact", "object_id": world["contact_q"].pk},
            )
        )
        assert [row["id"] for row in rows] == [world["q"].pk]
        # Case-insensitively, as Django labels are.
        rows = results(client.get(AUDIT_LOGS_URL, {"content_type": "Contact.Contact"}))
        assert {row["content_type"] for row in rows} == {"contact.contact"}
        assert {world["p"].pk, world["q"].pk} <= {row["id"] for row in rows}

    @pytest.mark.parametrize("value", ["contact.nothing", "nothing", "no.such.model", ""])
    def test_an_unknown_content_type_is_a_400(self, world, jwt_client, global_auditor, value):
        response = jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"content_type": value})
        if value == "":
            # An empty filter is no filter.
            assert response.status_code == 200
        else:
            assert response.status_code == 400
            assert "content_type" in response.json()

    def test_by_request_id(self, world, jwt_client, global_auditor, admin_p):
        response = jwt_client(admin_p).patch(
            f"/api/v1/contacts/{world['contact_p'].pk}/", {"notes": "Met."}, format="json"
        )
        request_id = response["X-Request-ID"]
        rows = results(jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"request_id": request_id}))
        assert [row["changes"] for row in rows] == [{"notes": {"old": "", "new": "Met."}}]

    def test_by_date(self, world, jwt_client, global_auditor):
        insert_row(days_ago(10), object_id="ten-days")
        insert_row(days_ago(3), object_id="three-days")
        client = jwt_client(global_auditor)

        def listed(**query):
            rows = results(client.get(AUDIT_LOGS_URL, {**query, "page_size": 100}))
            return {row["object_id"] for row in rows} & {"ten-days", "three-days"}

        assert listed(created_after=days_ago(5).isoformat()) == {"three-days"}
        assert listed(created_before=days_ago(5).isoformat()) == {"ten-days"}
        assert listed(
            created_after=days_ago(11).isoformat(), created_before=days_ago(9).isoformat()
        ) == {"ten-days"}
        assert listed(created_after=days_ago(1).isoformat()) == set()
        # A date without a time.
        assert listed(created_before=days_ago(5).date().isoformat()) == {"ten-days"}

    @pytest.mark.parametrize("name", ["created_after", "created_before"])
    def test_a_bad_date_is_a_400(self, world, jwt_client, global_auditor, name):
        response = jwt_client(global_auditor).get(AUDIT_LOGS_URL, {name: "yesterday"})
        assert response.status_code == 400
        assert name in response.json()

    def test_a_bad_number_is_a_400(self, world, jwt_client, global_auditor):
        client = jwt_client(global_auditor)
        assert client.get(AUDIT_LOGS_URL, {"user": "me"}).status_code == 400
        assert client.get(AUDIT_LOGS_URL, {"organization": "x"}).status_code == 400

    def test_filters_do_not_widen_what_an_auditor_sees(self, world, jwt_client, org_q):
        client = jwt_client(world["auditor_p"])
        assert results(client.get(AUDIT_LOGS_URL, {"organization": org_q.pk})) == []
        assert results(client.get(AUDIT_LOGS_URL, {"search": "Quentin"})) == []
        assert results(client.get(AUDIT_LOGS_URL, {"search": "Paula"}))

    def test_search(self, world, jwt_client, global_auditor):
        rows = results(jwt_client(global_auditor).get(AUDIT_LOGS_URL, {"search": "Quentin"}))
        assert world["q"].pk in {row["id"] for row in rows}
        assert world["p"].pk not in {row["id"] for row in rows}


class TestOrderingAndPagination:
    @pytest.fixture
    def rows(self, org_p):
        """Five rows of P, a day apart: the oldest first."""
        for days in (5, 4, 3, 2, 1):
            insert_row(
                days_ago(days),
                organization_id=org_p.pk,
                object_id=f"row-{days}",
                action_type="DELETE" if days % 2 else "CREATE",
            )
        return [f"row-{days}" for days in (5, 4, 3, 2, 1)]

    def listed(self, client, org_p, **query):
        rows = results(
            client.get(AUDIT_LOGS_URL, {"organization": org_p.pk, "page_size": 100, **query})
        )
        return [row["object_id"] for row in rows if row["object_id"].startswith("row-")]

    def test_newest_first_by_default(self, rows, jwt_client, global_auditor, org_p):
        assert self.listed(jwt_client(global_auditor), org_p) == rows[::-1]

    def test_ordering(self, rows, jwt_client, global_auditor, org_p):
        client = jwt_client(global_auditor)
        assert self.listed(client, org_p, ordering="created_at") == rows
        assert self.listed(client, org_p, ordering="-id") == rows[::-1]
        by_action = self.listed(client, org_p, ordering="action_type,created_at")
        assert by_action == ["row-4", "row-2", "row-5", "row-3", "row-1"]

    def test_pagination(self, rows, jwt_client, global_auditor, org_p):
        client = jwt_client(global_auditor)
        query = {"organization": org_p.pk, "ordering": "created_at", "page_size": 2}
        first = client.get(AUDIT_LOGS_URL, query).json()
        total = AuditLog.objects.filter(organization_id=org_p.pk).count()
        assert first["count"] == total
        assert len(first["results"]) == 2
        assert first["previous"] is None
        assert first["next"] is not None
        third = client.get(AUDIT_LOGS_URL, {**query, "page": 3}).json()
        assert len(third["results"]) == min(2, total - 4)
        assert client.get(AUDIT_LOGS_URL, {**query, "page": 999}).status_code == 404
        # page_size is bounded.
        capped = client.get(AUDIT_LOGS_URL, {"page_size": 10_000}).json()
        assert len(capped["results"]) <= 100


@pytest.mark.parametrize("who", ["auditor", "global_auditor"])
def test_the_list_runs_a_constant_number_of_queries(
    who, org_p, member_of, global_auditor, jwt_client
):
    reader = member_of(org_p, AUDITOR) if who == "auditor" else global_auditor
    now = timezone.now()
    contact_type = ContentType.objects.get_for_model(Contact).pk
    for minutes in range(60):
        insert_row(
            now - datetime.timedelta(minutes=minutes),
            organization_id=org_p.pk,
            user_id=reader.pk,
            content_type_id=contact_type,
            object_id=str(minutes),
        )
    client = jwt_client(reader)

    def count(page_size):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(AUDIT_LOGS_URL, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(queries)

    assert count(5) == count(50)
