"""Fixtures of the reference data API tests (the shared ones live in the root conftest.py)."""

import pytest

from api.v1.base_models.common.tests.factories import CategoryFactory


@pytest.fixture
def tree():
    """PRODUCT: Furniture > Chairs > Office Chairs, Furniture > Tables, and Lighting;
    DOCUMENT_TYPE: Invoices."""
    furniture = CategoryFactory(name="Furniture", description="Things to sit on or at.")
    chairs = CategoryFactory(name="Chairs", parent=furniture)
    office = CategoryFactory(name="Office Chairs", parent=chairs)
    tables = CategoryFactory(name="Tables", parent=furniture)
    lighting = CategoryFactory(name="Lighting")
    invoices = CategoryFactory(name="Invoices", category_type="DOCUMENT_TYPE")
    return {
        "furniture": furniture,
        "chairs": chairs,
        "office": office,
        "tables": tables,
        "lighting": lighting,
        "invoices": invoices,
    }


@pytest.fixture
def user(db):
    """The logged-in user of these tests: staff managing the shared reference data
    (the global permissions on categories; no organization)."""
    from django.contrib.auth.models import Permission

    from api.v1.base_models.user.tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="common",
            codename__in=["add_category", "change_category", "delete_category"],
        )
    )
    return staff
