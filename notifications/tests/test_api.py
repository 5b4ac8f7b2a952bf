"""/api/v1/notifications/: a user's own notifications, filtered, read and deleted."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from api.v1.base_models.organization.models import OrganizationMembership
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog
from notifications.models import Notification
from notifications.services import send_notification
from tests.contract import assert_constant_queries

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


@pytest.fixture
def sees_products(db):
    return RoleFactory(permissions=model_permissions(Product, "view"))


@pytest.fixture
def reader(org, member, sees_products):
    """A user who may view the products of `org`."""
    return member(org, sees_products)


@pytest.fixture
def client(jwt_client, reader):
    return jwt_client(reader)


def about(product, recipient, **fields):
    """A notification about `product`, written by the service (the checks included)."""
    [row] = send_notification(recipient, "product_changed", "Price changed", target=product)
    for name, value in fields.items():
        setattr(row, name, value)
    if fields:
        row.save()
    return row


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(f"{URL}mark-all-read/").status_code == 401


def test_a_user_lists_their_own_notifications_newest_first(client, reader, org):
    product = ProductFactory(organization=org)
    older = about(product, reader)
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    newer = NotificationFactory(recipient=reader, type_code="welcome", organization=org)
    NotificationFactory()  # someone else's

    response = client.get(URL)

    assert ids(response) == [newer.pk, older.pk]
    body = response.json()["results"][1]
    assert body["type"] == "product_changed"
    assert body["title"] == "Price changed"
    assert body["level"] == "INFO"
    assert body["organization"] == org.pk
    assert body["organization_name"] == org.name
    assert body["target"] == {"type": "products.product", "id": str(product.pk)}
    assert (body["count"], body["is_read"], body["read_at"]) == (1, False, None)
    assert response.json()["results"][0]["target"] is None


def test_the_record_is_shown_only_while_the_recipient_may_view_it(client, reader, org):
    notification = about(ProductFactory(organization=org), reader)
    OrganizationMembership.objects.filter(user=reader).delete()

    listed = client.get(URL).json()["results"][0]
    read = client.get(f"{URL}{notification.pk}/").json()

    assert listed["id"] == notification.pk
    assert listed["target"] is None
    assert read["target"] is None


def test_another_users_notification_is_404_and_stays_as_it_is(client):
    theirs = NotificationFactory()
    for method, path in [
        ("get", f"{URL}{theirs.pk}/"),
        ("post", f"{URL}{theirs.pk}/mark-read/"),
        ("post", f"{URL}{theirs.pk}/mark-unread/"),
        ("delete", f"{URL}{theirs.pk}/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, path
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("bad", ["abc", "99999999999999999999999", "-1", "1.5"])
def test_an_id_that_cannot_exist_is_404(client, bad):
    assert client.get(f"{URL}{bad}/").status_code == 404
    assert client.post(f"{URL}{bad}/mark-read/").status_code == 404


def test_mark_read_and_unread(client, reader):
    notification = NotificationFactory(recipient=reader)

    read = client.post(f"{URL}{notification.pk}/mark-read/")
    again = client.post(f"{URL}{notification.pk}/mark-read/")

    assert read.status_code == 200
    assert read.json()["is_read"] is True
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    assert again.json()["read_at"] == read.json()["read_at"]  # read once, when first read
    unread = client.post(f"{URL}{notification.pk}/mark-unread/")
    assert (unread.status_code, unread.json()["is_read"]) == (200, False)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_reading_writes_no_audit_rows(client, reader):
    notification = NotificationFactory(recipient=reader)
    before = AuditLog.objects.count()

    client.post(f"{URL}{notification.pk}/mark-read/")
    client.post(f"{URL}{notification.pk}/mark-unread/")
    client.post(f"{URL}mark-all-read/")

    assert AuditLog.objects.count() == before


def test_unread_count_and_mark_all_read(client, reader, org, other_org):
    here = NotificationFactory.create_batch(3, recipient=reader, organization=org)
    NotificationFactory.create_batch(2, recipient=reader, organization=other_org)
    NotificationFactory(recipient=reader, read_at=timezone.now())
    NotificationFactory.create_batch(4)  # others'

    assert client.get(f"{URL}unread-count/").json() == {
        "unread_count": 5,
        "unread_count_is_exact": True,
    }
    assert client.get(f"{URL}unread-count/", {"organization": org.pk}).json()["unread_count"] == 3

    marked = client.post(f"{URL}mark-all-read/?organization={org.pk}")

    assert marked.status_code == 200
    assert marked.json() == {"marked": 3, "unread_count": 2, "unread_count_is_exact": True}
    assert all(row.read_at for row in Notification.objects.filter(pk__in=[n.pk for n in here]))
    assert client.post(f"{URL}mark-all-read/").json()["marked"] == 2
    assert Notification.objects.filter(read_at__isnull=True).count() == 4  # others' untouched


def test_the_unread_count_stops_at_the_limit(client, reader, settings):
    settings.NOTIFICATION_UNREAD_COUNT_LIMIT = 3
    NotificationFactory.create_batch(3, recipient=reader)

    assert client.get(f"{URL}unread-count/").json() == {
        "unread_count": 3,
        "unread_count_is_exact": True,
    }
    NotificationFactory(recipient=reader)
    assert client.get(f"{URL}unread-count/").json() == {
        "unread_count": 3,
        "unread_count_is_exact": False,
    }


def test_delete_own(client, reader):
    mine = NotificationFactory(recipient=reader)

    response = client.delete(f"{URL}{mine.pk}/")

    assert response.status_code == 204
    assert not Notification.objects.filter(pk=mine.pk).exists()


def test_filters(client, reader, org):
    product = ProductFactory(organization=org)
    mention = NotificationFactory(recipient=reader, type_code="comment_mention", level="WARNING")
    reply = NotificationFactory(
        recipient=reader, type_code="comment_reply", read_at=timezone.now(), organization=org
    )
    changed = about(product, reader)
    old = NotificationFactory(recipient=reader, type_code="welcome")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def found(**params):
        return set(ids(client.get(URL, params)))

    assert found(is_read="false") == {mention.pk, changed.pk, old.pk}
    assert found(is_read="true") == {reply.pk}
    assert found(type="comment_mention,comment_reply") == {mention.pk, reply.pk}
    assert found(level="WARNING") == {mention.pk}
    assert found(organization=org.pk) == {reply.pk, changed.pk}
    assert found(target_type="products.product", target_id=product.pk) == {changed.pk}
    assert found(created_after=since) == {mention.pk, reply.pk, changed.pk}
    assert found(created_before=since) == {old.pk}
    assert found(after=reply.pk) == {changed.pk, old.pk}
    assert found(filter='{"field": "type_code", "op": "eq", "value": "comment_reply"}') == {
        reply.pk
    }
    assert found(search="Price changed") == {changed.pk}
    assert ids(client.get(URL, {"after": mention.pk, "ordering": "id"})) == [
        reply.pk,
        changed.pk,
        old.pk,
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"target_type": "nothing.here"},
        {"after": "x"},
        {"after": "-1"},
        {"is_read": "perhaps"},
        {"level": "LOUD"},
        {"created_after": "yesterday"},
        {"filter": '{"field": "recipient__password", "op": "eq", "value": "x"}'},
    ],
)
def test_bad_filters_are_400(client, params):
    assert client.get(URL, params).status_code == 400


def test_a_collapsed_repeat_is_found_by_updated_after(client, reader, org):
    product = ProductFactory(organization=org)
    first = about(product, reader)
    Notification.objects.filter(pk=first.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    seen = timezone.now() - timedelta(minutes=1)

    about(product, reader)  # a repeat: collapsed into the first

    body = client.get(URL, {"updated_after": seen.isoformat()}).json()["results"]
    assert [(row["id"], row["count"]) for row in body] == [(first.pk, 2)]


def test_a_type_turned_off_in_the_app_is_not_written(reader, org):
    profile = UserProfile.objects.get(user=reader)
    profile.notification_preferences = {"product_changed": {"in_app": False}}
    profile.save()
    other = UserFactory()

    rows = send_notification([reader, other], "product_changed", "Price changed")
    send_notification(reader, "comment_mention", "You were mentioned")

    assert [row.recipient_id for row in rows] == [other.pk]
    assert list(
        Notification.objects.filter(recipient=reader).values_list("type_code", flat=True)
    ) == ["comment_mention"]


def test_the_list_runs_the_same_queries_for_2_and_20_notifications(client, reader, org):
    content_type = ContentType.objects.get_for_model(Product)

    def make_more(n):
        for product in ProductFactory.create_batch(n, organization=org):
            NotificationFactory(
                recipient=reader,
                organization=org,
                actor=UserFactory(),
                target_content_type=content_type,
                target_object_id=str(product.pk),
            )

    assert_constant_queries(client, URL, make_more)


def test_a_read_carries_an_etag_that_changes_when_read(client, reader):
    notification = NotificationFactory(recipient=reader)
    etag = client.get(f"{URL}{notification.pk}/")["ETag"]

    assert client.get(f"{URL}{notification.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.post(f"{URL}{notification.pk}/mark-read/")
    assert client.get(f"{URL}{notification.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


PREFERENCES = f"{URL}preferences/"


def test_preferences_start_from_the_defaults(client):
    body = client.get(PREFERENCES).json()

    assert body == {
        "in_app": None,
        "email": None,
        "types": {},
        "email_digest": "immediate",
        "email_by_default": sorted(body["email_by_default"]),
    }
    assert "comment_mention" in body["email_by_default"]


def test_preferences_are_stored_in_the_profile_and_apply(client, reader):
    chosen = {
        "email": False,
        "types": {"product_changed": {"in_app": False}, "comment_mention": {"email": True}},
        "email_digest": "daily",
    }

    response = client.put(PREFERENCES, chosen, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["types"] == chosen["types"]
    stored = UserProfile.objects.get(user=reader).notification_preferences
    assert stored == {
        "email": False,
        "product_changed": {"in_app": False},
        "comment_mention": {"email": True},
        "email_digest": "daily",
    }
    assert send_notification(reader, "product_changed", "Price changed") == []
    patched = client.patch(PREFERENCES, {"email_digest": "hourly"}, format="json").json()
    assert (patched["email_digest"], patched["email"]) == ("hourly", False)
    assert client.put(PREFERENCES, {}, format="json").json()["types"] == {}
    assert UserProfile.objects.get(user=reader).notification_preferences == {}


@pytest.mark.parametrize(
    "body",
    [
        {"email_digest": "weekly"},
        {"email": "maybe"},
        {"types": {"comment_mention": {"sms": True}}},
        {"types": {"comment_mention": {"email": "often"}}},
        {"types": {"email": {"email": True}}},
        {"types": {"Not A Code!": {"email": True}}},
        {"types": ["comment_mention"]},
        {"types": {"comment_mention": True}},
    ],
)
def test_bad_preferences_are_400_and_change_nothing(client, reader, body):
    response = client.put(PREFERENCES, body, format="json")

    assert response.status_code == 400, response.content
    assert UserProfile.objects.get(user=reader).notification_preferences == {}


def test_preferences_need_a_login(api_client):
    assert api_client.get(PREFERENCES).status_code == 401
    assert api_client.put(PREFERENCES, {}, format="json").status_code == 401
