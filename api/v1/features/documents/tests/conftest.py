"""Fixtures of the document tests (the shared ones live in tests/plugin.py)."""

import pytest

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.features.documents.models import Document


@pytest.fixture
def manager_role(db):
    """Everything on documents, and viewing files."""
    return RoleFactory(
        name="Document manager",
        permissions=model_permissions(Document) + model_permissions(FileStorage, "view"),
    )


@pytest.fixture
def viewer_role(db):
    return RoleFactory(name="Document viewer", permissions=model_permissions(Document, "view"))
