"""The `member` fixture of the access-control tests (rbac and core), imported by the
conftest of each of these packages: a member holding a new role made of the permissions
it is given. It takes the place there of tests/plugin.py's `member`, which is given a
role (the other shared fixtures, `org_a`, `fresh`, `grant_global`, ...: the plugin)."""

import pytest

from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory


@pytest.fixture
def member(db):
    """member(organization, *perms, user=None, active=True, **user_fields) -> the user,
    with a new role holding `perms` ("app.codename") in `organization`."""

    def make(organization, *perms, user=None, active=True, role=None, **user_fields):
        user = user or UserFactory(**user_fields)
        role = role or RoleFactory(permissions=list(perms))
        OrganizationMembershipFactory(
            user=user, organization=organization, role=role, is_active=active
        )
        return user

    return make
