"""ws/notifications/ through the real ASGI application: each committed notification and
the unread count reach every open connection of its recipient, and no one else's."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.db import transaction

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from config.asgi import application
from core.presence import mark_present, present
from notifications.models import Notification
from notifications.services import send_notification

from .factories import NotificationFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


async def connected(user=None, token=None):
    token = token or await database_sync_to_async(lambda: tokens_for(user)["access"])()
    comm = WebsocketCommunicator(application, f"/ws/notifications/?token={token}", [ORIGIN])
    assert (await comm.connect(timeout=3))[0] is True
    return comm


# Database work happens in (synchronous) fixtures and helpers: the ORM refuses async code.
@pytest.fixture
def world(org, member):
    role = RoleFactory(permissions=model_permissions(Product, "view"))
    return {
        "role": role,
        "reader": member(org, role),
        "outsider": UserFactory(),
        "product": ProductFactory(organization=org),
    }


def notify(recipients, target, rollback=False):
    with transaction.atomic():
        rows = send_notification(recipients, "product_changed", "Price changed", target=target)
        if rollback:
            transaction.set_rollback(True)
    return rows


async def test_a_connection_starts_with_the_unread_count(world):
    await database_sync_to_async(NotificationFactory.create_batch)(2, recipient=world["reader"])
    comm = await connected(world["reader"])

    assert await comm.receive_json_from(timeout=3) == {
        "type": "unread_count",
        "unread_count": 2,
        "unread_count_is_exact": True,
    }
    await comm.disconnect()


async def test_a_committed_notification_reaches_every_connection_of_its_recipient(world):
    reader, product = world["reader"], world["product"]
    tabs = [await connected(reader), await connected(reader)]
    outsider = await connected(world["outsider"])
    for comm in [*tabs, outsider]:
        await comm.receive_json_from(timeout=3)  # the unread count

    [row] = await database_sync_to_async(notify)([reader, world["outsider"]], product)

    for comm in tabs:
        message = await comm.receive_json_from(timeout=3)
        assert message["type"] == "notification"
        assert message["unread_count"] == 1
        assert message["notification"]["id"] == row.pk
        assert message["notification"]["title"] == "Price changed"
        assert message["notification"]["target"] == {
            "type": "products.product",
            "id": str(product.pk),
        }
    # The outsider may not view the product: no row, no push.
    assert await outsider.receive_nothing(timeout=0.3)
    for comm in [*tabs, outsider]:
        await comm.disconnect()


async def test_a_rolled_back_notification_is_never_pushed(world):
    comm = await connected(world["reader"])
    await comm.receive_json_from(timeout=3)

    await database_sync_to_async(notify)(world["reader"], world["product"], rollback=True)

    assert await comm.receive_nothing(timeout=0.3)
    assert not await database_sync_to_async(Notification.objects.exists)()
    await comm.disconnect()


async def test_reading_over_rest_pushes_the_new_unread_count(world, jwt_client):
    reader = world["reader"]
    first, _second = await database_sync_to_async(NotificationFactory.create_batch)(
        2, recipient=reader
    )
    comm = await connected(reader)
    await comm.receive_json_from(timeout=3)
    client = await database_sync_to_async(jwt_client)(reader)

    response = await database_sync_to_async(client.post)(
        f"/api/v1/notifications/{first.pk}/mark-read/"
    )

    assert response.status_code == 200
    assert await comm.receive_json_from(timeout=3) == {
        "type": "unread_count",
        "unread_count": 1,
        "unread_count_is_exact": True,
    }
    await database_sync_to_async(client.post)("/api/v1/notifications/mark-all-read/")
    assert await comm.receive_json_from(timeout=3) == {
        "type": "unread_count",
        "unread_count": 0,
        "unread_count_is_exact": True,
    }
    await comm.disconnect()


async def test_ping_and_unknown_messages(world):
    comm = await connected(world["reader"])
    await comm.receive_json_from(timeout=3)

    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=3) == {"type": "pong"}
    await comm.send_json_to({"type": "mark_read", "id": 1})
    assert (await comm.receive_json_from(timeout=3))["type"] == "error"
    await comm.disconnect()


async def test_a_connection_without_credentials_is_closed_with_4401():
    comm = WebsocketCommunicator(application, "/ws/notifications/", [ORIGIN])
    connected_, _subprotocol = await comm.connect(timeout=3)

    assert connected_ is True
    output = await comm.receive_output(timeout=3)
    assert (output["type"], output["code"]) == ("websocket.close", 4401)


async def test_a_push_that_cannot_be_made_does_not_fail_the_sender(world, monkeypatch):
    from notifications import push

    tried = []

    class Layer:
        async def group_send(self, group, message):
            tried.append(group)
            raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(push, "get_channel_layer", lambda: Layer())
    mark_present(push.FEED, world["reader"].pk)

    rows = await database_sync_to_async(notify)(world["reader"], world["product"])

    assert tried == [push.group_name(world["reader"].pk)]
    assert len(rows) == 1
    assert await database_sync_to_async(Notification.objects.count)() == 1


async def test_only_recipients_with_a_connection_open_are_pushed_to(
    world, org, member, monkeypatch
):
    from notifications import push

    cache.clear()
    absent = await database_sync_to_async(member)(org, world["role"])
    sent = []
    send = push._send
    monkeypatch.setattr(push, "_send", lambda messages: sent.extend(messages) or send(messages))
    comm = await connected(world["reader"])
    await comm.receive_json_from(timeout=3)  # the unread count

    rows = await database_sync_to_async(notify)([world["reader"], absent], world["product"])

    assert len(rows) == 2
    assert [user_id for user_id, _message in sent] == [world["reader"].pk]
    assert (await comm.receive_json_from(timeout=3))["type"] == "notification"
    await comm.disconnect()


async def test_an_open_connection_stays_present_until_it_closes(world, settings):
    from notifications.push import FEED

    settings.PRESENCE_REFRESH = 0.05
    reader = world["reader"]
    comm = await connected(reader)
    await comm.receive_json_from(timeout=3)
    assert present(FEED, [reader.pk]) == {reader.pk}

    cache.delete(f"presence:{FEED}:{reader.pk}")  # as if it had expired
    await asyncio.sleep(0.3)
    assert present(FEED, [reader.pk]) == {reader.pk}  # refreshed by the server

    await comm.disconnect()
    assert present(FEED, [reader.pk]) == set()  # the last connection closed
    await asyncio.sleep(0.3)
    assert present(FEED, [reader.pk]) == set()  # and no refresh once closed


async def test_several_connections_are_one_presence(world):
    from notifications.push import FEED

    reader = world["reader"]
    tabs = [await connected(reader) for _tab in range(2)]
    for tab in tabs:
        await tab.receive_json_from(timeout=3)

    await tabs[0].disconnect()
    assert present(FEED, [reader.pk]) == {reader.pk}  # another tab is open

    await tabs[1].disconnect()
    assert present(FEED, [reader.pk]) == set()


async def test_a_presence_whose_count_expired_still_ends(world):
    from notifications.push import FEED

    reader = world["reader"]
    comm = await connected(reader)
    await comm.receive_json_from(timeout=3)
    cache.delete(f"presence:{FEED}:{reader.pk}")  # as if it had expired

    await comm.disconnect()

    assert present(FEED, [reader.pk]) == set()
