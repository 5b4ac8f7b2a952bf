"""Fixtures of the file tests (the shared ones, `org`, `member`, `manager`, ..., live in
tests/plugin.py)."""

import pytest

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions


@pytest.fixture
def manager_role(db):
    """Everything on files."""
    return RoleFactory(name="File manager", permissions=model_permissions(FileStorage))


@pytest.fixture
def viewer_role(db):
    return RoleFactory(name="File viewer", permissions=model_permissions(FileStorage, "view"))
