"""The Django Admin of products: pages, the read-only status and its transition
buttons, checked when pressed."""

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
