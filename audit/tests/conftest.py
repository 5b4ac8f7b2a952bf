"""Fixtures of the audit log tests: a parent organization P with an administrator, a
second organization Q with its own administrator, auditors (`superuser` and
`member_of`: tests/plugin.py)."""

import pytest
from django.contrib.auth.models import Group

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    permissions_named,
)
from api.v1.base_models.user.tests.factories import UserFactory

ADMINISTRATOR = "Organization Administrator"
AUDITOR = "Organization Auditor"
MEMBER = "Organization Member"


@pytest.fixture
def role(db):
    """role(name) -> one of the default roles (created by migrate)."""
    return lambda name: Group.objects.get(name=name)


@pytest.fixture
def org_p(db):
    return OrganizationFactory(name="Parent P", code="P")


@pytest.fixture
def org_q(db):
    return OrganizationFactory(name="Other Q", code="Q")


@pytest.fixture
def admin_p(member_of, org_p):
    return member_of(org_p, ADMINISTRATOR, username="admin_p")


@pytest.fixture
def admin_q(member_of, org_q):
    return member_of(org_q, ADMINISTRATOR, username="admin_q")


@pytest.fixture
def global_auditor(db):
    """A user with the global (Django) audit.view_auditlog permission and no membership."""
    user = UserFactory(username="global_auditor")
    user.user_permissions.set(permissions_named("audit.view_auditlog"))
    return user
