"""The room fan-out (fanout.py) on the configured channel layer (Redis when REDIS_URL
is set, else the in-memory layer): one membership of a room's group per process
whatever the number of its connections in the room, every subscribed connection served
in order, and a connection that stops reading closed without holding up the others."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from api.v1.features.chat import fanout as fanout_module
from api.v1.features.chat import services
from api.v1.features.chat.fanout import CLOSE_TRY_AGAIN, OutboxMixin, fanout_for

from .test_websocket import next_frame, subscribed, world  # noqa: F401 (fixture)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def group_members(layer, group) -> set[str]:
    """The channels in `group`, read from the layer itself."""
    if hasattr(layer, "groups"):  # channels' in-memory layer
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return {
        member.decode() if isinstance(member, bytes) else member
        for member in await connection.zrange(layer._group_key(group), 0, -1)
    }


async def test_a_process_joins_a_room_group_once_for_all_its_connections(world):  # noqa: F811
    room = world["room"]
    layer = get_channel_layer()
    group = services.room_group(room.pk)
    ann = await subscribed(world["ann"], room)
    bob = await subscribed(world["bob"], room)
    fanout = fanout_for(layer)

    assert await group_members(layer, group) == {fanout.channel}
    await ann.send_json_to({"type": "message", "room": room.pk, "content": "hi"})
    assert (await next_frame(ann))["type"] == "ack"
    for comm in (ann, bob):
        frame = await next_frame(comm)
        assert (frame["type"], frame["message"]["content"]) == ("message", "hi")

    await ann.disconnect()
    assert await group_members(layer, group) == {fanout.channel}  # bob is still here
    await bob.disconnect()
    assert await group_members(layer, group) == set()
    assert fanout.local == {}


class Connection(OutboxMixin):
    """A consumer as the fan-out sees it: what it was sent, and how it was closed."""

    closed = False

    def __init__(self, stuck=False):
        self.stuck = stuck
        self.sent: list[int] = []
        self.close_code = None

    async def dispatch(self, event):
        if self.stuck:  # a client that stopped reading: the send never returns
            await asyncio.Event().wait()
        self.sent.append(event["n"])

    async def close(self, code=None):
        self.closed = True
        self.close_code = code


async def test_a_connection_that_stops_reading_is_closed_and_holds_up_no_one(monkeypatch):
    monkeypatch.setattr(fanout_module, "OUTBOX_SIZE", 3)
    layer = get_channel_layer()
    fanout = fanout_for(layer)
    reader, stuck = Connection(), Connection(stuck=True)
    for connection in (reader, stuck):
        connection.start_outbox()
        await fanout.subscribe(987654, connection)
    group = services.room_group(987654)

    for n in range(10):
        await layer.group_send(group, {"type": "chat.event", "room": 987654, "n": n})
    for _ in range(100):
        if len(reader.sent) == 10 and stuck.closed:
            break
        await asyncio.sleep(0.02)

    assert reader.sent == list(range(10))  # all of them, in order
    assert (stuck.closed, stuck.close_code) == (True, CLOSE_TRY_AGAIN)
    for connection in (reader, stuck):
        await fanout.unsubscribe(987654, connection)
        connection.stop_outbox()
    assert await group_members(layer, group) == set()


async def test_events_of_rooms_without_connections_here_are_dropped(world):  # noqa: F811
    room = world["room"]
    ann = await subscribed(world["ann"], room)
    fanout = fanout_for(get_channel_layer())
    other = room.pk + 1000

    # An event naming another room reaches no one (a membership left behind by a
    # connection that went is harmless).
    await get_channel_layer().send(
        fanout.channel, {"type": "chat.event", "room": other, "text": "{}"}
    )
    await ann.send_json_to({"type": "ping"})

    assert await next_frame(ann) == {"type": "pong"}
    assert await ann.receive_nothing(timeout=0.2)
    await ann.disconnect()


async def test_the_memberships_are_renewed_without_events(monkeypatch):
    layer = get_channel_layer()
    monkeypatch.setattr(layer, "group_expiry", 1)  # seconds: renewed every half second
    fanout = fanout_for(layer)
    reader = Connection()
    reader.start_outbox()
    await fanout.subscribe(876543, reader)

    await asyncio.sleep(2.5)  # quiet: a membership not renewed would be gone by now
    await layer.group_send(services.room_group(876543), {"type": "x", "room": 876543, "n": 1})
    for _ in range(100):
        if reader.sent:
            break
        await asyncio.sleep(0.02)

    assert reader.sent == [1]
    await fanout.unsubscribe(876543, reader)
    reader.stop_outbox()
