"""The Django Admin of products: pages, the read-only status and its transition
buttons, checked when pressed."""

import re

import pytest
from django.urls import reverse

from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:products_product_changelist")
ADD_URL = reverse("admin:products_product_add")


def change_url(product):
    return reverse("admin:products_product_change", args=[product.pk])


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def form_data(product, **changes):
    data = {
        "organization": str(product.organization_id),
        "sku": product.sku,
        "name": product.name,
        "product_type": product.product_type,
        "category": str(product.category_id or ""),
        "tags": "",
        "description": product.description,
        "base_uom": product.base_uom_id,
        "is_inventory_tracked": "on",
        "is_purchasable": "on",
        "is_sellable": "on",
        "attributes": "{}",
        "custom_fields": "{}",
    }
    data.update(changes)
    return data


def test_the_pages(superuser_client, org_a):
    product = ProductFactory(organization=org_a, name="Listed widget")
    assert b"Listed widget" in superuser_client.get(CHANGELIST_URL).content
    assert superuser_client.get(ADD_URL).status_code == 200
    page = superuser_client.get(change_url(product))
    assert page.status_code == 200
    # The status is shown, not editable; the possible transition is a button.
    assert b'name="status"' not in page.content
    assert b'name="_fsm_transition_to"' in page.content
    assert b'value="activate"' in page.content
    assert b'value="discontinue"' not in page.content
    # Its tooltip is the transition's docstring.
    assert b'title="Put a draft product in use' in page.content


def test_a_transition_button(superuser_client, org_a):
    product = ProductFactory(organization=org_a)
    response = superuser_client.post(
        change_url(product), form_data(product, _fsm_transition_to="activate")
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == "active"
    row = AuditLog.objects.filter(object_id=str(product.pk), action_type="TRANSITION").get()
    assert row.context["transition"] == "activate"


def test_the_status_cannot_be_posted(superuser_client, org_a):
    product = ProductFactory(organization=org_a)
    response = superuser_client.post(change_url(product), form_data(product, status="active"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == "draft"


def test_a_failed_condition_is_reported(superuser_client, org_a):
    product = ProductFactory(organization=org_a, description="")
    response = superuser_client.post(
        change_url(product), form_data(product, _fsm_transition_to="activate"), follow=True
    )
    assert b"needs a description" in response.content
    product.refresh_from_db()
    assert product.status == "draft"


def test_an_unknown_transition_name(superuser_client, org_a):
    product = ProductFactory(organization=org_a)
    response = superuser_client.post(
        change_url(product), form_data(product, _fsm_transition_to="delete"), follow=True
    )
    assert response.status_code == 200
    assert b"No such transition" in response.content
    product.refresh_from_db()
    assert product.status == "draft"


def test_staff_without_the_transition_permission(client, org_a):
    """The button is not drawn, and a crafted POST is refused when pressed."""
    staff = UserFactory(is_staff=True)
    OrganizationMembershipFactory(
        user=staff, organization=org_a, role=RoleFactory(permissions=model_permissions(Product))
    )
    client.force_login(staff)
    product = ProductFactory(organization=org_a)
    page = client.get(change_url(product))
    assert page.status_code == 200
    assert b'value="activate"' not in page.content
    response = client.post(
        change_url(product), form_data(product, _fsm_transition_to="activate"), follow=True
    )
    assert b"may not activate" in response.content
    product.refresh_from_db()
    assert product.status == "draft"


def test_scoped_staff_see_their_organization_only(client, org_a, org_b):
    staff = UserFactory(is_staff=True)
    OrganizationMembershipFactory(
        user=staff, organization=org_a, role=RoleFactory(permissions=model_permissions(Product))
    )
    client.force_login(staff)
    mine = ProductFactory(organization=org_a, name="Mine")
    theirs = ProductFactory(organization=org_b, name="Theirs")
    page = client.get(CHANGELIST_URL)
    assert b"Mine" in page.content
    assert b"Theirs" not in page.content
    assert client.get(change_url(theirs)).status_code in (302, 404)
    assert client.get(change_url(mine)).status_code == 200


def opened_version(client, product) -> str:
    """The record version a change form carries when it is opened."""
    page = client.get(change_url(product)).content.decode()
    match = re.search(r'name="_record_version" value="&quot;([0-9a-f]+)&quot;"', page)
    assert match, "the change form carries no record version"
    return f'"{match.group(1)}"'


def test_a_form_opened_before_someone_elses_change_does_not_save_over_it(superuser_client, org_a):
    product = ProductFactory(organization=org_a, name="Before")
    version = opened_version(superuser_client, product)
    # Meanwhile, someone else renames it (through the API or another Admin page).
    product.name = "Their change"
    product.save()
    audit_rows = AuditLog.objects.count()

    response = superuser_client.post(
        change_url(product), form_data(product, name="My change", _record_version=version)
    )

    assert response.status_code == 200  # the form again, with the error
    assert b"Someone else changed this record since you opened this page" in response.content
    product.refresh_from_db()
    assert product.name == "Their change"
    assert AuditLog.objects.count() == audit_rows
    # Opened again, the form saves.
    fresh = opened_version(superuser_client, product)
    response = superuser_client.post(
        change_url(product), form_data(product, name="My change", _record_version=fresh)
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "My change"


def test_a_tag_change_counts_as_a_change_and_transitions_are_guarded_too(superuser_client, org_a):
    product = ProductFactory(organization=org_a)
    version = opened_version(superuser_client, product)
    product.tags.add("added-elsewhere")

    response = superuser_client.post(
        change_url(product),
        form_data(product, _fsm_transition_to="activate", _record_version=version),
    )

    assert response.status_code == 200
    product.refresh_from_db()
    assert product.status == "draft"


def test_every_admin_of_the_site_guards_its_change_forms():
    from django.contrib import admin

    from core.admin_site import ConcurrentEditAdminMixin

    unguarded = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ConcurrentEditAdminMixin)
    ]
    assert unguarded == []
