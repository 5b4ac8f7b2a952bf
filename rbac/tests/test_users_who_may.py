"""users_who_may: visible_to's rule for many users at once."""

import pytest

from api.v1.base_models.common.models import Currency
from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from rbac.access import users_who_may, visible_to

pytestmark = pytest.mark.django_db


def test_the_same_answer_as_visible_to(org, org_b, superuser):
    viewer = RoleFactory(permissions=model_permissions(Product, "view"))
    editor = RoleFactory(permissions=model_permissions(Product, "change"))
    users = {
        "viewer": UserFactory(),
        "editor": UserFactory(),
        "elsewhere": UserFactory(),
        "former": UserFactory(),
        "inactive": UserFactory(is_active=False),
        "superuser": superuser,
    }
    OrganizationMembershipFactory(user=users["viewer"], organization=org, role=viewer)
    OrganizationMembershipFactory(user=users["editor"], organization=org, role=editor)
    OrganizationMembershipFactory(user=users["elsewhere"], organization=org_b, role=viewer)
    OrganizationMembershipFactory(
        user=users["former"], organization=org, role=viewer, is_active=False
    )
    OrganizationMembershipFactory(user=users["inactive"], organization=org, role=viewer)
    product = ProductFactory(organization=org)

    ids = {user.pk for user in users.values()}
    expected = {
        user.pk
        for user in users.values()
        if user.is_active and visible_to(Product, user).filter(pk=product.pk).exists()
    }
    assert users_who_may(ids, product) == expected == {users["viewer"].pk, superuser.pk}
    assert users_who_may(ids, product, "change") == {users["editor"].pk, superuser.pk}


def test_shared_records_only_for_superusers(superuser, user):
    currency = Currency.objects.get(code="EUR")
    assert users_who_may({user.pk, superuser.pk}, currency) == {superuser.pk}
