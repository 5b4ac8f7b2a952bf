"""The last administrator of an organization, below the API: the model refuses to lose
them whoever saves or deletes, and the Admin says so on the page."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.urls import reverse

from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.services import LastAdministrator
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PERMS = model_permissions(Organization) + model_permissions(OrganizationMembership)


@pytest.fixture
def admin_role(db):
    return RoleFactory(name="Administrators", permissions=ADMIN_PERMS)


@pytest.fixture
def last(org_a, admin_role):
    return OrganizationMembershipFactory(organization=org_a, role=admin_role)


class TestTheModel:
    def test_deactivating_demoting_or_deleting_is_refused(self, last):
        for change in (
            lambda m: setattr(m, "is_active", False),
            lambda m: setattr(m, "role", RoleFactory()),
            lambda m: setattr(m, "organization", OrganizationFactory()),
        ):
            membership = OrganizationMembership.objects.get(pk=last.pk)
            change(membership)
            with pytest.raises(LastAdministrator):
                membership.save()
        with pytest.raises(LastAdministrator):
            OrganizationMembership.objects.get(pk=last.pk).delete()
        last.refresh_from_db()
        assert last.is_active is True

    def test_other_changes_are_saved(self, last, admin_role):
        last.role = RoleFactory(permissions=[*ADMIN_PERMS, "contact.view_contact"])
        last.save()
        last.refresh_from_db()
        assert last.role.name != admin_role.name

    def test_deleting_the_organization_or_the_user_is_not_held_back(self, last, org_a):
        user = last.user
        user.delete()
        assert not OrganizationMembership.objects.filter(pk=last.pk).exists()

        another = OrganizationMembershipFactory(organization=org_a, role=last.role)
        org_a.delete()
        assert not OrganizationMembership.objects.filter(pk=another.pk).exists()

    def test_an_organization_without_administrators_may_change_freely(self, org_a):
        membership = OrganizationMembershipFactory(organization=org_a, role=RoleFactory())
        membership.is_active = False
        membership.save()
        membership.delete()


# ---------------------------------------------------------------------- the Admin
def url(view, *args):
    return reverse(f"admin:organization_organizationmembership_{view}", args=args)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


class TestTheAdmin:
    def test_the_delete_page_refuses_with_a_message(self, admin_client, last):
        for method in (admin_client.get, admin_client.post):
            response = method(url("delete", last.pk), follow=True)
            assert response.status_code == 200
            assert any("without an administrator" in text for text in messages_of(response))
        assert OrganizationMembership.objects.filter(pk=last.pk).exists()

    def test_the_delete_action_refuses_with_a_message(self, admin_client, last, org_a):
        other = OrganizationMembershipFactory(organization=org_a, role=RoleFactory())

        response = admin_client.post(
            url("changelist"),
            {"action": "delete_selected", "_selected_action": [last.pk, other.pk], "post": "yes"},
            follow=True,
        )

        assert any("without an administrator" in text for text in messages_of(response))
        assert OrganizationMembership.objects.filter(pk__in=[last.pk, other.pk]).count() == 2

    def test_the_change_form_and_the_list_refuse_with_a_form_error(self, admin_client, last):
        response = admin_client.post(
            url("change", last.pk),
            {"organization": last.organization_id, "role": last.role_id},  # is_active unticked
        )
        assert response.status_code == 200
        assert "without an administrator" in str(response.context["adminform"].form.errors)

        response = admin_client.post(
            url("changelist"),
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-MIN_NUM_FORMS": "0",
                "form-MAX_NUM_FORMS": "1000",
                "form-0-id": str(last.pk),
                "form-0-role": str(RoleFactory().pk),
                "form-0-is_active": "on",
                "_save": "Save",
            },
        )
        assert response.status_code == 200
        assert "without an administrator" in response.content.decode()
        last.refresh_from_db()
        assert (last.is_active, last.role.name) == (True, "Administrators")

    def test_with_another_administrator_the_admin_deletes(
        self, admin_client, last, org_a, admin_role
    ):
        OrganizationMembershipFactory(organization=org_a, role=admin_role)

        response = admin_client.post(url("delete", last.pk), {"post": "yes"})

        assert response.status_code == 302
        assert not OrganizationMembership.objects.filter(pk=last.pk).exists()

    def test_the_user_of_a_membership_is_read_only_on_its_page(self, admin_client, last):
        form = admin_client.get(url("change", last.pk)).context["adminform"].form
        assert "user" not in form.fields

    def test_staff_add_only_users_who_share_one_of_their_organizations(self, client, org_a):
        staff = UserFactory(is_staff=True)
        role = RoleFactory(permissions=ADMIN_PERMS)
        OrganizationMembershipFactory(user=staff, organization=org_a, role=role)
        stranger = OrganizationMembershipFactory(organization=OrganizationFactory()).user
        client.force_login(staff)

        response = client.post(
            url("add"),
            {"user": stranger.pk, "organization": org_a.pk, "role": role.pk, "is_active": "on"},
        )

        assert response.status_code == 200
        assert "user" in response.context["adminform"].form.errors
        assert not OrganizationMembership.objects.filter(user=stranger, organization=org_a).exists()


@pytest.mark.django_db(transaction=True)
def test_two_administrators_stepping_down_together_leave_one(admin_role):
    """Both load their membership, then both save it deactivated: one wins, the other
    waits on the organization's lock and then finds itself the last administrator."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite runs one write transaction at a time)")
    organization = OrganizationFactory()
    pks = [
        OrganizationMembershipFactory(organization=organization, role=admin_role).pk
        for _ in range(2)
    ]
    barrier = threading.Barrier(2, timeout=10)
    outcomes = []

    def step_down(pk):
        try:
            with transaction.atomic():
                membership = OrganizationMembership.objects.get(pk=pk)
                membership.is_active = False
                barrier.wait()
                membership.save()
            outcomes.append("saved")
        except LastAdministrator:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=step_down, args=(pk,)) for pk in pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "saved"]
    assert OrganizationMembership.objects.filter(pk__in=pks, is_active=True).count() == 1
