"""The chat through a real server, as its clients see it: uvicorn serving the ASGI
application in a process of its own (live.py), two members of one organization on
WebSocket connections and REST, and a user of another organization.

One journey, since the server takes a moment to start: a message sent over the socket
is acknowledged to its sender and reaches the other member with its id and sequence;
one sent over REST reaches the socket; after a dropped connection, `?after=` gives
exactly what was missed; a resend after reconnecting is the message stored the first
time; and the room does not exist for the outsider.

Everything is checked through the server: on SQLite it works on a copy of the test
database (live.database_url), whose changes this process does not see.
"""

import asyncio
from contextlib import asynccontextmanager

import pytest
from django.db import connection

from api.v1.base_models.auth.services import tokens_for
from api.v1.features.chat.tests.factories import ChatRoomFactory
from api.v1.features.chat.tests.live import (
    connect,
    database_url,
    messages_path,
    next_frame,
    send,
    served,
)
from rbac.roles import ROLE_NAMES

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(org_a, org_b, member_of):
    """ann and bob, members of A, in a group room; eve, a member of B; (room id, the
    access token of each by username)."""
    ann = member_of(org_a, ROLE_NAMES["member"], username="ann")
    bob = member_of(org_a, ROLE_NAMES["member"], username="bob")
    eve = member_of(org_b, ROLE_NAMES["member"], username="eve")
    room = ChatRoomFactory(organization=org_a, participants=[ann, bob], messages=0)
    return room.pk, {user.username: tokens_for(user)["access"] for user in (ann, bob, eve)}


@pytest.fixture
def server(world, tmp_path):
    """The server, started once the world is committed (transactional_db): on SQLite it
    gets the test database as it is then."""
    with served(database_url(connection, tmp_path), tmp_path) as server:
        yield server


@asynccontextmanager
async def subscribed(server, token, room):
    """A connection of the user of `token` subscribed to `room`; yields it and the
    room's last sequence."""
    async with connect(server.ws_url(token)) as ws:
        await send(ws, type="subscribe", room=room)
        yield ws, (await next_frame(ws, "subscribed"))["last_sequence"]


async def test_members_chat_catch_up_and_resend_through_a_real_server(world, server):
    room, tokens = world

    async def api(username, method, path, body=None):
        return await asyncio.to_thread(server.api, tokens[username], method, path, body)

    async with subscribed(server, tokens["ann"], room) as (ann, last_sequence):
        # The client offered permessage-deflate (websockets does); frames go uncompressed.
        assert "Sec-WebSocket-Extensions" not in ann.response.headers
        assert last_sequence == 0
        async with subscribed(server, tokens["bob"], room) as (bob, _):
            # Over the socket: acknowledged to ann, delivered to both with id and sequence.
            await send(ann, type="message", room=room, content="Hello Bob", client_id="ann-1")
            ack = await next_frame(ann, "ack")
            assert ack["client_id"] == "ann-1"
            assert ack["created"] is True
            assert ack["message"]["sequence"] == 1
            for ws in (ann, bob):
                delivered = await next_frame(ws, "message")
                assert delivered["room"] == room
                assert delivered["message"]["id"] == ack["message"]["id"]
                assert delivered["message"]["sequence"] == 1
                assert delivered["message"]["content"] == "Hello Bob"

            # Over REST: delivered to the sockets.
            status, posted = await api(
                "bob", "POST", messages_path(room), {"content": "Hi Ann", "client_id": "bob-1"}
            )
            assert status == 201, posted
            assert posted["sequence"] == 2
            for ws in (ann, bob):
                delivered = (await next_frame(ws, "message"))["message"]
                assert (delivered["id"], delivered["sequence"]) == (posted["id"], 2)
            last_seen = delivered["sequence"]
            # Connected, bob saw the message live: no notification.
            status, notified = await api("bob", "GET", "/api/v1/notifications/")
            assert (status, notified["count"]) == (200, 0)

        # bob's connection is gone (ann is told he left): ann sends five more.
        left = await next_frame(ann, "presence")
        assert (left["username"], left["online"]) == ("bob", False)
        sent = []
        for number in range(2, 7):
            frame = {"content": f"Missed {number}", "client_id": f"ann-{number}"}
            await send(ann, type="message", room=room, **frame)
            sent.append((await next_frame(ann, "ack"))["message"])

    # Away, bob was told once of the five (a burst), by the same server.
    status, notified = await api("bob", "GET", "/api/v1/notifications/")
    assert (status, notified["count"]) == (200, 1), notified
    assert (notified["results"][0]["type"], notified["results"][0]["count"]) == (
        "chat_message",
        5,
    )

    # bob reconnects, then catches up from the last sequence he saw: exactly the five.
    async with subscribed(server, tokens["bob"], room) as (bob, last_sequence):
        assert last_sequence == last_seen + 5
        status, page = await api("bob", "GET", messages_path(room, after=last_seen))
        assert status == 200, page
        assert page["has_more"] is False
        assert [m["sequence"] for m in page["results"]] == list(range(3, 8))
        assert [m["id"] for m in page["results"]] == [m["id"] for m in sent]
        assert [m["client_id"] for m in page["results"]] == [f"ann-{n}" for n in range(2, 7)]

    # ann reconnects and sends her last message again, as if its ack had been lost.
    async with subscribed(server, tokens["ann"], room) as (ann, _):
        await send(ann, type="message", room=room, content="Missed 6", client_id="ann-6")
        again = await next_frame(ann, "ack")
        assert again["created"] is False
        assert again["message"]["id"] == sent[-1]["id"]
        assert again["message"]["sequence"] == 7
    status, page = await api("ann", "GET", messages_path(room, after=7))
    assert (status, page["results"]) == (200, [])

    # The room does not exist for someone of another organization.
    async with connect(server.ws_url(tokens["eve"])) as eve:
        await send(eve, type="subscribe", room=room)
        refused = await next_frame(eve, "error")
    assert refused["detail"] == "No such room."
    assert refused["room"] == room
