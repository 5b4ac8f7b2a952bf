"""Fixtures of the contact tests (the shared ones, `org`, `manager`, `superuser_client`,
..., live in tests/plugin.py)."""

import pytest

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions


@pytest.fixture
def contact_role(db):
    """A role holding the four contact permissions."""
    return RoleFactory(name="Contact manager", permissions=model_permissions(Contact))


@pytest.fixture
def manager_role(contact_role):
    """The role of the plugin's `manager` in `org`."""
    return contact_role
