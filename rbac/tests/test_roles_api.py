"""/api/v1/roles/: the roles memberships can give, for those who assign them."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from api.v1.base_models.organization.tests.factories import RoleFactory
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api-v1:role-list")


def detail_url(role):
    return reverse("api-v1:role-detail", args=[role.pk])


@pytest.fixture
def role(db):
    return RoleFactory(
        name="A Test Role",
        permissions=[
            "organization.view_organization",
            "contact.view_contact",
            "contact.add_contact",
            "auth.view_group",
        ],
    )


def test_superusers_may_list_roles(jwt_client, role):
    response = jwt_client(UserFactory(is_superuser=True)).get(LIST_URL, {"page_size": 100})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert role.name in names
    # The default roles are there too, sorted by name.
    assert {"Organization Administrator", "Organization Member", "Organization Viewer"} <= set(
        names
    )
    assert names == sorted(names)


def test_the_permissions_are_sorted_app_codename_strings(jwt_client, role):
    response = jwt_client(UserFactory(is_superuser=True)).get(detail_url(role))
    assert response.status_code == 200
    assert response.json() == {
        "id": role.pk,
        "name": "A Test Role",
        "permissions": [
            "auth.view_group",
            "contact.add_contact",
            "contact.view_contact",
            "organization.view_organization",
        ],
    }


def test_staff_with_the_global_view_permission_may_list(jwt_client, grant_global, role):
    staff = grant_global(UserFactory(is_staff=True), "auth.view_group")
    assert jwt_client(staff).get(LIST_URL).status_code == 200
    assert jwt_client(staff).get(detail_url(role)).status_code == 200


@pytest.mark.parametrize(
    "perm",
    [
        "organization.add_organizationmembership",
        "organization.change_organizationmembership",
    ],
)
def test_organization_administrators_may_list(jwt_client, member, org_a, role, perm):
    admin = member(org_a, "organization.view_organizationmembership", perm)
    assert jwt_client(admin).get(LIST_URL).status_code == 200
    assert jwt_client(admin).get(detail_url(role)).status_code == 200


@pytest.mark.parametrize(
    "perms",
    [
        [],
        ["organization.view_organizationmembership"],
        ["organization.delete_organizationmembership"],
        ["auth.view_group", "auth.change_group"],  # as a role, not as global permissions
        ["contact.add_contact", "contact.change_contact"],
    ],
)
def test_other_members_are_refused(jwt_client, member, org_a, role, perms):
    user = member(org_a, *perms)
    assert jwt_client(user).get(LIST_URL).status_code == 403
    assert jwt_client(user).get(detail_url(role)).status_code == 403


def test_an_inactive_administrator_membership_is_refused(jwt_client, member, org_a):
    admin = member(org_a, "organization.add_organizationmembership", active=False)
    assert jwt_client(admin).get(LIST_URL).status_code == 403


def test_users_without_memberships_are_refused(jwt_client):
    assert jwt_client(UserFactory()).get(LIST_URL).status_code == 403


def test_anonymous_is_401(role):
    assert APIClient().get(LIST_URL).status_code == 401
    assert APIClient().get(detail_url(role)).status_code == 401


def test_roles_are_read_only(jwt_client, role):
    client = jwt_client(UserFactory(is_superuser=True))
    assert client.post(LIST_URL, {"name": "New"}).status_code == 405
    assert client.patch(detail_url(role), {"name": "Renamed"}).status_code == 405
    assert client.delete(detail_url(role)).status_code == 405
    assert Group.objects.filter(pk=role.pk, name="A Test Role").exists()


def test_search_by_name(jwt_client, role):
    response = jwt_client(UserFactory(is_superuser=True)).get(LIST_URL, {"search": "test role"})
    assert [row["id"] for row in response.json()["results"]] == [role.pk]


def _queries(client, page_size):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_URL, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(captured.captured_queries)


def test_a_constant_number_of_queries(jwt_client, member, org_a):
    for index in range(12):
        RoleFactory(
            permissions=[
                "contact.view_contact",
                "contact.change_contact",
                "organization.view_organization",
            ][: index % 3 + 1]
        )
    admin = member(org_a, "organization.add_organizationmembership")
    client = jwt_client(admin)
    assert _queries(client, 3) == _queries(client, 15)
