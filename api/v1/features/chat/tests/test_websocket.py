"""ws/chat/ through the real ASGI application (Channels' communicator, the real auth
middleware): messages reach the room's subscribers and no one else, a resend is stored
once, bad frames get an error and change nothing, and someone removed from a room
stops receiving it at once."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission

from api.v1.base_models.auth.services import tokens_for
from api.v1.features.chat import services
from api.v1.features.chat.models import ChatMessage, ChatParticipant, ChatReaction
from api.v1.features.chat.tests.factories import ChatRoomFactory
from config.asgi import application
from rbac.roles import ROLE_NAMES

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


async def next_frame(comm, timeout=3):
    """The next frame that is not a presence change (those come whenever someone
    connects or leaves)."""
    while True:
        answer = await comm.receive_json_from(timeout=timeout)
        if answer["type"] != "presence":
            return answer


async def nothing_more(comm, timeout=0.3) -> bool:
    """Nothing but presence changes arrives within `timeout`."""
    while not await comm.receive_nothing(timeout=timeout):
        assert (await comm.receive_json_from())["type"] == "presence"
    return True


async def connected(user):
    token = await database_sync_to_async(lambda: tokens_for(user)["access"])()
    comm = WebsocketCommunicator(application, f"/ws/chat/?token={token}", [ORIGIN])
    assert (await comm.connect(timeout=3))[0] is True
    return comm


async def subscribed(user, room):
    comm = await connected(user)
    await comm.send_json_to({"type": "subscribe", "room": room.pk})
    answer = await next_frame(comm)
    assert answer["type"] == "subscribed", answer
    return comm


@pytest.fixture
def world(org_a, org_b, member_of):
    ann = member_of(org_a, ROLE_NAMES["member"], username="ann")
    bob = member_of(org_a, ROLE_NAMES["member"], username="bob")
    eve = member_of(org_b, ROLE_NAMES["member"], username="eve")
    room = ChatRoomFactory(organization=org_a, participants=[ann, bob], messages=0)
    return {"ann": ann, "bob": bob, "eve": eve, "room": room}


async def test_a_message_reaches_every_subscriber_with_its_sequence(world):
    room = world["room"]
    ann = await subscribed(world["ann"], room)
    bob = await subscribed(world["bob"], room)

    await ann.send_json_to({"type": "message", "room": room.pk, "content": "hi", "client_id": "a1"})

    ack = await next_frame(ann)
    assert ack["type"] == "ack"
    assert ack["client_id"] == "a1"
    assert ack["created"] is True
    assert ack["message"]["sequence"] == 1
    for comm in (ann, bob):
        event = await next_frame(comm)
        assert event["type"] == "message"
        assert event["room"] == room.pk
        assert event["message"]["content"] == "hi"
        assert event["message"]["sender_username"] == "ann"
    await ann.disconnect()
    await bob.disconnect()


async def test_a_resend_is_stored_once_and_acknowledged_again(world):
    room = world["room"]
    ann = await subscribed(world["ann"], room)
    frame = {"type": "message", "room": room.pk, "content": "once", "client_id": "r-1"}

    await ann.send_json_to(frame)
    first = await next_frame(ann)
    await next_frame(ann)  # the broadcast
    await ann.send_json_to(frame)
    again = await next_frame(ann)

    assert again["created"] is False
    assert again["message"]["id"] == first["message"]["id"]
    assert await database_sync_to_async(ChatMessage.objects.count)() == 1
    assert await nothing_more(ann, 0.3)
    await ann.disconnect()


async def test_another_organization_cannot_subscribe_nor_send(world):
    room = world["room"]
    eve = await connected(world["eve"])

    await eve.send_json_to({"type": "subscribe", "room": room.pk})
    refused = await next_frame(eve)
    await eve.send_json_to({"type": "message", "room": room.pk, "content": "hi"})
    not_sent = await next_frame(eve)

    assert refused == {"type": "error", "detail": "No such room.", "room": room.pk}
    assert not_sent["type"] == "error"
    assert not_sent["detail"] == "No such room."
    assert await database_sync_to_async(ChatMessage.objects.count)() == 0
    await eve.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        {"type": "whatever"},
        {"type": "subscribe", "room": "12"},
        {"type": "subscribe", "room": True},
        {"type": "message", "room": None, "content": "x"},
        {"type": "message", "content": "x" * 10_001},
        {"type": "message", "content": "   "},
        {"type": "message", "content": "x", "parent": 999_999},
        {"type": "message", "content": "x", "attachment_ids": [999_999]},
        {"type": "message", "content": "x", "client_id": "bad id"},
        {"type": "typing", "room": 999_999, "is_typing": True},
        {"type": "read", "sequence": "many"},
    ],
)
async def test_bad_frames_get_an_error_and_store_nothing(world, frame):
    room = world["room"]
    ann = await subscribed(world["ann"], room)
    if isinstance(frame, dict) and "room" not in frame and frame["type"] != "whatever":
        frame = {**frame, "room": room.pk}

    if isinstance(frame, str):
        await ann.send_to(text_data=frame)
    else:
        await ann.send_json_to(frame)
    answer = await next_frame(ann)

    assert answer["type"] == "error", answer
    assert await database_sync_to_async(ChatMessage.objects.count)() == 0
    await ann.send_json_to({"type": "ping"})
    assert await next_frame(ann) == {"type": "pong"}  # still open
    await ann.disconnect()


async def test_typing_reaches_the_others_and_is_not_stored(world):
    room = world["room"]
    ann = await subscribed(world["ann"], room)
    bob = await subscribed(world["bob"], room)

    await ann.send_json_to({"type": "typing", "room": room.pk, "is_typing": True})

    assert await next_frame(bob) == {
        "type": "typing",
        "room": room.pk,
        "user": world["ann"].pk,
        "username": "ann",
        "is_typing": True,
    }
    assert await nothing_more(ann, 0.3)
    await ann.disconnect()
    await bob.disconnect()


async def test_messages_sent_over_rest_and_edits_reach_the_socket(world):
    room, ann_user = world["room"], world["ann"]
    bob = await subscribed(world["bob"], room)

    message, _created = await database_sync_to_async(services.post_message)(
        room, ann_user, content="from REST"
    )
    sent = await next_frame(bob)
    await database_sync_to_async(services.edit_message)(message, "edited")
    edited = await next_frame(bob)
    await database_sync_to_async(services.delete_message)(message)
    deleted = await next_frame(bob)

    assert (sent["type"], sent["message"]["content"]) == ("message", "from REST")
    assert (edited["type"], edited["message"]["content"]) == ("message_edited", "edited")
    assert deleted["type"] == "message_deleted"
    assert deleted["message"]["deleted_at"] is not None
    await bob.disconnect()


async def test_reading_over_the_socket(world):
    room = world["room"]
    for text in ("one", "two"):
        await database_sync_to_async(services.post_message)(room, world["ann"], content=text)
    bob = await connected(world["bob"])

    await bob.send_json_to({"type": "read", "room": room.pk, "sequence": 1})

    assert await next_frame(bob) == {
        "type": "read",
        "room": room.pk,
        "last_read_sequence": 1,
        "unread_count": 1,
    }
    await bob.disconnect()


async def test_reading_further_is_a_read_receipt_for_the_room(world):
    room = world["room"]
    for text in ("one", "two"):
        await database_sync_to_async(services.post_message)(room, world["ann"], content=text)
    ann = await subscribed(world["ann"], room)
    bob = await connected(world["bob"])

    await bob.send_json_to({"type": "read", "room": room.pk, "sequence": 2})
    await next_frame(bob)
    receipt = await next_frame(ann)
    await bob.send_json_to({"type": "read", "room": room.pk, "sequence": 1})  # backwards
    await next_frame(bob)

    assert receipt == {
        "type": "read_receipt",
        "room": room.pk,
        "user": world["bob"].pk,
        "last_read_sequence": 2,
    }
    assert await nothing_more(ann)  # reading nothing new tells no one
    await ann.disconnect()
    await bob.disconnect()


async def test_someone_removed_from_a_room_stops_receiving_it_at_once(world):
    room = world["room"]
    ann = await subscribed(world["ann"], room)
    bob = await subscribed(world["bob"], room)

    membership = await database_sync_to_async(ChatParticipant.objects.get)(
        room=room, user=world["bob"]
    )
    await database_sync_to_async(services.remove_participant)(membership)
    assert await next_frame(bob) == {
        "type": "unsubscribed",
        "room": room.pk,
        "reason": "removed",
    }
    await ann.send_json_to({"type": "message", "room": room.pk, "content": "secret"})

    assert (await next_frame(ann))["type"] == "ack"
    assert await nothing_more(bob, 0.5)
    await ann.disconnect()
    await bob.disconnect()


async def test_a_deactivated_membership_closes_the_connection(world):
    bob = await subscribed(world["bob"], world["room"])

    def deactivate():
        membership = world["bob"].organization_memberships.get()
        membership.is_active = False
        membership.save()

    await database_sync_to_async(deactivate)()

    output = await bob.receive_output(timeout=3)
    assert (output["type"], output["code"]) == ("websocket.close", 4403)


async def test_a_user_who_may_not_chat_is_refused(org_a, member_of):
    viewer = await database_sync_to_async(member_of)(org_a, ROLE_NAMES["viewer"])
    token = await database_sync_to_async(lambda: tokens_for(viewer)["access"])()
    comm = WebsocketCommunicator(application, f"/ws/chat/?token={token}", [ORIGIN])

    connected_, _subprotocol = await comm.connect(timeout=3)

    assert connected_ is True
    output = await comm.receive_output(timeout=3)
    assert (output["type"], output["code"]) == ("websocket.close", 4403)


async def test_presence_counts_several_tabs_once(world):
    room, bob_user = world["room"], world["bob"]
    ann = await subscribed(world["ann"], room)

    bob = await connected(bob_user)
    came = await ann.receive_json_from(timeout=3)
    await bob.send_json_to({"type": "subscribe", "room": room.pk})
    state = await next_frame(bob)
    second_tab = await connected(bob_user)
    await second_tab.disconnect()
    quiet_while_a_tab_stays = await ann.receive_nothing(timeout=0.3)
    await bob.disconnect()
    went = await ann.receive_json_from(timeout=3)

    presence = {"type": "presence", "room": room.pk, "user": bob_user.pk, "username": "bob"}
    assert came == {**presence, "online": True}
    assert state["online"] == sorted([world["ann"].pk, bob_user.pk])
    assert quiet_while_a_tab_stays
    assert went == {**presence, "online": False}
    await ann.disconnect()


async def test_reactions_reach_every_subscriber(world):
    room = world["room"]
    message = await database_sync_to_async(services.post_message)(
        room, world["bob"], content="Lunch?"
    )
    ann = await subscribed(world["ann"], room)
    bob = await subscribed(world["bob"], room)
    react = {"type": "react", "message": message[0].pk, "emoji": "🍕"}

    await ann.send_json_to(react)
    answer = await next_frame(ann)
    seen_by_ann, seen = await next_frame(ann), await next_frame(bob)
    await ann.send_json_to(react)
    again = await next_frame(ann)
    quiet = await nothing_more(bob)
    await ann.send_json_to({**react, "add": False})
    await next_frame(ann)
    taken_back = await next_frame(bob)

    assert answer == {
        "type": "reacted",
        "room": room.pk,
        "message": message[0].pk,
        "emoji": "🍕",
        "add": True,
        "changed": True,
    }
    assert seen == seen_by_ann
    assert seen["type"] == "message_reactions"
    assert seen["message"]["reactions"] == [{"emoji": "🍕", "count": 1, "users": [world["ann"].pk]}]
    assert again["changed"] is False
    assert quiet
    assert taken_back["message"]["reactions"] == []
    await ann.disconnect()
    await bob.disconnect()


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ({"emoji": "👍"}, "No such message."),
        ({"emoji": "👍", "message": 999_999}, "No such message."),
        ({"emoji": "ok"}, "Not a reaction."),
        ({"emoji": None}, "Not a reaction."),
    ],
)
async def test_bad_reactions_get_an_error(world, frame, detail):
    room = world["room"]
    message, _created = await database_sync_to_async(services.post_message)(
        room, world["bob"], content="Lunch?"
    )
    ann = await subscribed(world["ann"], room)
    frame = {"type": "react", **frame}
    if "emoji" in frame and frame.get("emoji") in ("ok", None):
        frame["message"] = message.pk

    await ann.send_json_to(frame)

    answer = await next_frame(ann)
    assert (answer["type"], answer["detail"]) == ("error", detail)
    assert not await database_sync_to_async(ChatReaction.objects.exists)()
    await ann.disconnect()


async def test_another_organization_cannot_react(world):
    message, _created = await database_sync_to_async(services.post_message)(
        world["room"], world["bob"], content="Lunch?"
    )
    eve = await connected(world["eve"])

    await eve.send_json_to({"type": "react", "message": message.pk, "emoji": "👍"})

    assert (await next_frame(eve))["detail"] == "No such message."
    assert not await database_sync_to_async(ChatReaction.objects.exists)()
    await eve.disconnect()


async def test_a_role_that_loses_the_chat_closes_its_members_connections(world):
    bob = await subscribed(world["bob"], world["room"])

    def take_the_chat_away():
        role = world["bob"].organization_memberships.get().role
        role.permissions.remove(Permission.objects.get(codename="view_chatroom"))

    await database_sync_to_async(take_the_chat_away)()

    output = await bob.receive_output(timeout=3)
    assert (output["type"], output["code"]) == ("websocket.close", 4403)


async def test_a_deactivated_user_is_closed_at_once(world):
    bob = await subscribed(world["bob"], world["room"])

    def deactivate():
        world["bob"].is_active = False
        world["bob"].save()

    await database_sync_to_async(deactivate)()

    output = await bob.receive_output(timeout=3)
    assert (output["type"], output["code"]) == ("websocket.close", 4403)
