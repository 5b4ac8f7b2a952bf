"""A change and its audit row commit or roll back together: a rolled back change
leaves no row, and a change whose row cannot be written is not made (fail closed).

The fail-closed tests run with real transactions (transactional_db): the project's
own transaction handling is what rolls back, not the test's wrapping transaction."""

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction
from rest_framework.test import APIClient

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    RoleFactory,
    permissions_named,
)

from ..conftest import ADMINISTRATOR
from ..helpers import AuditInsertRefused, audit_inserts_fail, last_id, rows_of, since


class TestRollback:
    pytestmark = pytest.mark.django_db

    @staticmethod
    def in_a_transaction_that_fails(change):
        def fail():
            with transaction.atomic():
                change()
                raise RuntimeError("change of mind")

        with pytest.raises(RuntimeError, match="change of mind"):
            fail()

    def test_a_change_rolled_back_leaves_no_row(self, org_p):
        contact = ContactFactory(organization=org_p, title="Before")
        marker = last_id()

        def change():
            contact.title = "After"
            contact.save()
            assert since(marker).count() == 1  # written, inside the transaction

        self.in_a_transaction_that_fails(change)
        assert not since(marker).exists()
        assert Contact.objects.get(pk=contact.pk).title == "Before"

    def test_a_creation_and_a_deletion_rolled_back(self, org_p):
        contact = ContactFactory(organization=org_p)
        marker = last_id()

        def change():
            ContactFactory(organization=org_p)
            contact.delete()

        self.in_a_transaction_that_fails(change)
        assert not since(marker).exists()
        assert Contact.objects.filter(organization=org_p).count() == 1

    def test_an_inner_savepoint_rolled_back(self, org_p):
        contact = ContactFactory(organization=org_p, title="A")
        marker = last_id()
        with transaction.atomic():
            contact.title = "B"
            contact.save()
            self.in_a_transaction_that_fails(
                lambda: ContactFactory(organization=org_p, first_name="Ghost")
            )
        rows = list(since(marker))
        assert [(row.action_type, row.changes) for row in rows] == [
            ("UPDATE", {"title": {"old": "A", "new": "B"}})
        ]

    def test_the_refusing_wrapper_lets_other_statements_through(self, org_p):
        with audit_inserts_fail() as refused:
            assert Contact.objects.filter(organization=org_p).count() == 0
        assert refused == []


@pytest.mark.django_db(transaction=True)
class TestFailClosed:
    def test_a_creation(self):
        organization = OrganizationFactory()
        with audit_inserts_fail() as refused, pytest.raises(AuditInsertRefused):
            Contact.objects.create(organization=organization, first_name="Unlogged")
        assert len(refused) == 1
        assert not Contact.objects.filter(first_name="Unlogged").exists()
        assert not rows_of(Contact, 1).exists()

    def test_an_update(self):
        contact = Contact.objects.get(pk=ContactFactory(title="Kept").pk)
        contact.title = "Unlogged"
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            contact.save()
        assert Contact.objects.get(pk=contact.pk).title == "Kept"
        assert [row.action_type for row in rows_of(contact)] == ["CREATE"]

    def test_a_partial_update(self):
        contact = ContactFactory(title="Kept")
        contact.title = "Unlogged"
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            contact.save(update_fields=["title"])
        assert Contact.objects.get(pk=contact.pk).title == "Kept"

    def test_a_deletion(self):
        contact = ContactFactory()
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            contact.delete()
        assert Contact.objects.filter(pk=contact.pk).exists()

    def test_a_deletion_of_a_tree_node(self):
        parent = OrganizationFactory()
        child = OrganizationFactory(parent=parent)
        before = list(Organization.objects.values_list("pk", "lft", "rght", "tree_id"))
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            child.delete()
        # The row and the tree bookkeeping of its neighbours are as they were.
        assert list(Organization.objects.values_list("pk", "lft", "rght", "tree_id")) == before

    def test_a_permission_given_to_a_role(self):
        role = RoleFactory(permissions=["contact.view_contact"])
        (change,) = permissions_named("contact.change_contact")
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            role.permissions.add(change)
        assert not role.permissions.filter(pk=change.pk).exists()
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            role.permissions.clear()
        assert role.permissions.count() == 1

    def test_a_tag_outside_a_transaction(self):
        contact = ContactFactory()
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            contact.tags.add("unlogged")
        assert not contact.tags.exists()

    def test_a_login(self, user, password):
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            APIClient().post(
                "/api/v1/auth/token/", {"username": user.username, "password": password}
            )
        # The failure does not hand out tokens in a 500 either.
        client = APIClient(raise_request_exception=False)
        with audit_inserts_fail():
            response = client.post(
                "/api/v1/auth/token/", {"username": user.username, "password": password}
            )
        assert response.status_code == 500
        assert b"access" not in response.content


@pytest.mark.django_db(transaction=True)
class TestFailClosedOverTheApi:
    @pytest.fixture
    def setup(self):
        organization = OrganizationFactory(name="Parent P")
        from api.v1.base_models.organization.tests.factories import (
            OrganizationMembershipFactory,
        )
        from api.v1.base_models.user.tests.factories import UserFactory

        admin = UserFactory()
        OrganizationMembershipFactory(
            user=admin, organization=organization, role=Group.objects.get(name=ADMINISTRATOR)
        )
        return organization, admin

    def client(self, user, **kwargs):
        client = APIClient(**kwargs)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
        return client

    def test_the_exception_propagates(self, setup):
        organization, admin = setup
        before = Contact.objects.count()
        with audit_inserts_fail(), pytest.raises(DatabaseError):
            self.client(admin).post(
                "/api/v1/contacts/",
                {"organization": organization.pk, "first_name": "Unlogged"},
                format="json",
            )
        assert Contact.objects.count() == before

    def test_create_update_delete_are_500s_and_write_nothing(self, setup):
        organization, admin = setup
        client = self.client(admin, raise_request_exception=False)
        contact = ContactFactory(organization=organization, title="Kept")
        marker = last_id()
        with audit_inserts_fail():
            created = client.post(
                "/api/v1/contacts/",
                {
                    "organization": organization.pk,
                    "first_name": "Unlogged",
                    "email_addresses": [{"email": "unlogged@example.com"}],
                },
                format="json",
            )
            changed = client.patch(
                f"/api/v1/contacts/{contact.pk}/", {"title": "Unlogged"}, format="json"
            )
            child = client.post(
                "/api/v1/organizations/",
                {
                    "name": "Unlogged child",
                    "code": "UNLOGGED",
                    "organization_type": "Company",
                    "parent": organization.pk,
                },
                format="json",
            )
            deleted = client.delete(f"/api/v1/contacts/{contact.pk}/")
            tagged = client.patch(
                f"/api/v1/contacts/{contact.pk}/", {"tags": ["unlogged"]}, format="json"
            )
            retagged = client.patch(
                f"/api/v1/organizations/{organization.pk}/", {"tags": ["unlogged"]}, format="json"
            )
        for response in (created, changed, child, deleted, tagged, retagged):
            assert response.status_code == 500
            assert response["X-Request-ID"]
        assert not Contact.objects.filter(first_name="Unlogged").exists()
        assert Contact.objects.get(pk=contact.pk).title == "Kept"
        assert not Organization.objects.filter(code="UNLOGGED").exists()
        assert not contact.tags.exists()
        assert not organization.tags.exists()
        assert not since(marker).exists()
        # Without the failure, the same requests go through.
        assert (
            client.patch(
                f"/api/v1/contacts/{contact.pk}/", {"title": "Logged"}, format="json"
            ).status_code
            == 200
        )
        assert [row.changes for row in since(marker)] == [
            {"title": {"old": "Kept", "new": "Logged"}}
        ]
