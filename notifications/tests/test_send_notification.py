"""send_notification: who is notified (only users who may view the record, not the
actor), in the caller's transaction, with bursts collapsed, in constant queries."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.organization.tests.factories import (
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from notifications.models import Notification
from notifications.services import send_notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def sees_products(db):
    return RoleFactory(permissions=model_permissions(Product, "view"))


@pytest.fixture
def colleagues(org, sees_products):
    """colleagues(n) -> n users who may view the products of `org`."""

    def make(n):
        users = UserFactory.create_batch(n)
        for user in users:
            OrganizationMembershipFactory(user=user, organization=org, role=sees_products)
        return users

    return make


def test_recipients_get_one_row_each_about_the_record(colleagues, org):
    product = ProductFactory(organization=org)
    first, second = colleagues(2)

    rows = send_notification(
        [first, second.pk], "product_changed", "Price changed", "It costs more.", target=product
    )

    assert {row.recipient_id for row in rows} == {first.pk, second.pk}
    stored = Notification.objects.get(recipient=first)
    assert (stored.type_code, stored.title, stored.message) == (
        "product_changed",
        "Price changed",
        "It costs more.",
    )
    assert stored.target == product
    assert stored.organization_id == org.pk  # the record's
    assert (stored.count, stored.read_at) == (1, None)


def test_nobody_hears_of_a_record_they_cannot_view(colleagues, org, org_b, superuser):
    product_b = ProductFactory(organization=org_b)
    outsider = colleagues(1)[0]  # may view products, but of org only
    no_role = UserFactory()
    OrganizationMembershipFactory(user=no_role, organization=org_b, role=RoleFactory())
    inactive = UserFactory(is_active=False)

    rows = send_notification(
        [outsider, no_role, inactive, superuser], "product_changed", "Changed", target=product_b
    )

    assert [row.recipient_id for row in rows] == [superuser.pk]


def test_the_actor_is_left_out_unless_asked(colleagues, org):
    product = ProductFactory(organization=org)
    actor, other = colleagues(2)
    rows = send_notification([actor, other], "t", "x", target=product, actor=actor)
    assert [row.recipient_id for row in rows] == [other.pk]
    rows = send_notification([actor], "u", "x", target=product, actor=actor, notify_actor=True)
    assert [row.recipient_id for row in rows] == [actor.pk]


def test_a_burst_collapses_into_one_row(colleagues, org, settings):
    product = ProductFactory(organization=org)
    (user,) = colleagues(1)
    send_notification(user, "product_changed", "First", target=product)
    rows = send_notification(user, "product_changed", "Second", target=product)

    stored = Notification.objects.get(recipient=user)
    assert rows == [stored]
    assert (stored.count, stored.title) == (2, "Second")

    # Once read, or after the window, a repeat is a new notification.
    Notification.objects.update(read_at=stored.created_at)
    send_notification(user, "product_changed", "Third", target=product)
    settings.NOTIFICATION_COLLAPSE_WINDOW = timedelta(0)
    send_notification(user, "product_changed", "Fourth", target=product)
    assert Notification.objects.filter(recipient=user).count() == 3


def test_a_rolled_back_change_notifies_no_one(colleagues, org):
    product = ProductFactory(organization=org)
    (user,) = colleagues(1)

    def change_that_fails():
        with transaction.atomic():
            send_notification(user, "t", "x", target=product)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not Notification.objects.exists()


def test_without_a_record_active_users_are_notified(db):
    active, inactive = UserFactory(), UserFactory(is_active=False)
    rows = send_notification([active, inactive], "welcome", "Welcome")
    assert [(row.recipient_id, row.target_object_id) for row in rows] == [(active.pk, "")]
    assert send_notification([], "welcome", "Welcome") == []


def test_fan_out_runs_constant_queries(colleagues, org):
    product = ProductFactory(organization=org)
    first, few, many = colleagues(1), colleagues(2), colleagues(30)
    # A first one (not counted) fills the per-process caches (content types).
    send_notification(first, "product_changed", "Changed", target=product)

    def queries(users):
        with CaptureQueriesContext(connection) as captured:
            send_notification(users, "product_changed", "Changed", target=product)
        return len(captured)

    assert queries(few) == queries(many)
    assert Notification.objects.count() == 33


def test_notifications_are_audited_but_reading_them_is_not(
    colleagues, org, django_capture_on_commit_callbacks
):
    from audit.models import AuditLog

    product = ProductFactory(organization=org)
    (user,) = colleagues(1)
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(user, "product_changed", "First", target=product)
        send_notification(user, "product_changed", "Second", target=product)
    rows = AuditLog.objects.filter(content_type__model="notification").order_by("id")
    assert [row.action_type for row in rows] == ["CREATE", "UPDATE"]
    assert rows[1].changes["count"] == {"old": 1, "new": 2}

    notification = Notification.objects.get()
    notification.read_at = notification.created_at
    notification.save()
    assert AuditLog.objects.filter(content_type__model="notification").count() == 2
