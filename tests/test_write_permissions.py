"""Every write of the API needs a permission: a role's in the record's organization, or a
global (staff) one for shared data. Being logged in is never enough, except for the
caller's own account and invitations. Swept over the whole URL tree, so that an
endpoint added later cannot rely on IsAuthenticated alone."""

import json

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from rest_framework import permissions
from rest_framework.test import APIClient

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationInvitationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.models import CustomFieldDefinition
from rbac.models import FieldPermission

from .apiwalk import fill, schema_operations, seed_scoped_records, view_of

WRITES = ("post", "put", "patch", "delete")
# Writes any logged-in user may make, and why: they act on the caller's own things.
SELF_SERVICE = {
    "/api/v1/auth/token/",  # logging in
    "/api/v1/auth/token/2fa/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/auth/logout/",
    "/api/v1/auth/2fa/totp/setup/",  # the caller's own second factor
    "/api/v1/auth/2fa/totp/verify/",
    "/api/v1/auth/2fa/totp/disable/",
    "/api/v1/auth/2fa/recovery-codes/",
    "/api/v1/auth/password/change/",  # the caller's own password
    "/api/v1/auth/password/reset/",  # proving it by email
    "/api/v1/auth/password/reset/confirm/",
    "/api/v1/auth/sessions/{id}/",  # the caller's own logins
    "/api/v1/auth/sessions/revoke-all/",
    "/api/v1/auth/api-keys/",  # the caller's own keys
    "/api/v1/auth/api-keys/{prefix}/",
    "/api/v1/auth/api-keys/{prefix}/revoke/",
    "/api/v1/profiles/me/",  # the caller's own profile
    "/api/v1/notifications/{id}/",  # the caller's own notifications
    "/api/v1/notifications/{id}/mark-read/",
    "/api/v1/notifications/{id}/mark-unread/",
    "/api/v1/notifications/mark-all-read/",
    "/api/v1/notifications/preferences/",
    "/api/v1/invitations/accept/",  # invitations to the caller's own address
    "/api/v1/invitations/decline/",
    "/api/v1/invitations/{id}/accept/",
    "/api/v1/invitations/{id}/decline/",
    "/api/v1/data-jobs/{id}/cancel/",  # the caller's own import or export
}
# Writes authenticated by their sender's signature rather than a user (webhooks): no
# user may make them, logged in or not.
SIGNED = {"/api/v1/webhooks/video/{provider}/"}
LOGIN_ONLY = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
)


def _write_operations():
    return [op for op in schema_operations() if op.method in WRITES]


def test_no_write_relies_on_being_logged_in_alone():
    lenient = []
    for operation in _write_operations():
        view_class, _kwargs = view_of(operation.path)
        view = view_class()
        view.action = None
        classes = [type(permission) for permission in view.get_permissions()]
        if (
            all(cls in LOGIN_ONLY for cls in classes)
            and operation.path not in SELF_SERVICE | SIGNED
        ):
            lenient.append(str(operation))
    assert lenient == []


def _snapshot():
    """Every row of the project's models (the audit log aside, which records attempts)."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in {"audit", "sessions", "token_blacklist", "contenttypes"}:
            continue
        rows[label] = json.dumps(list(model._default_manager.order_by("pk").values()), default=str)
    return rows


@pytest.mark.django_db
def test_a_user_of_no_organization_can_write_nothing():
    organization = OrganizationFactory()
    owner = UserFactory(email="owner@example.com")
    OrganizationMembershipFactory(user=owner, organization=organization, role=RoleFactory())
    ProductFactory(organization=organization, tags=["t"])
    ContactFactory(organization=organization)
    StockLocationFactory(warehouse=WarehouseFactory(organization=organization))
    CategoryFactory()
    OrganizationInvitationFactory(organization=organization, invited_by=owner)
    product_type = ContentType.objects.get_for_model(Product)
    CustomFieldDefinition.objects.create(content_type=product_type, key="size")
    FieldPermission.objects.create(
        role=RoleFactory(), content_type=product_type, field_name="sku", can_read=False
    )
    seed_scoped_records(organization)  # models added later, by their factories
    stranger = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(stranger)['access']}")
    before = _snapshot()
    answered = {}
    for operation in _write_operations():
        if operation.path in SELF_SERVICE:
            continue
        path = fill(operation.path)
        assert path is not None, str(operation)
        response = getattr(client, operation.method)(path, {}, format="json")
        answered[str(operation)] = response.status_code
    refused = {op: status for op, status in answered.items() if status not in (403, 404)}
    assert refused == {}
    assert _snapshot() == before
    assert len(answered) >= 30
