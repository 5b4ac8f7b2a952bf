"""What a room's connections receive, carried once per server process.

The channel layer carries a group's message to each channel in the group: a room of 100
members connected to one server process would be 100 copies of the same frame through
Redis, popped and decoded one after the other, the last member waiting for the 99
before. Instead each process joins a room's group once, with a channel of its own, when
the first of its connections subscribes to the room, and leaves it when the last one
goes; what arrives is handed to each of its connections subscribed to the room, which
sends it from its own outbox (a queue and a task per connection), so that one slow
client holds up no one else.

A connection whose outbox is full (a client that stopped reading: OUTBOX_SIZE frames
behind) is closed with 1013 (try again later): its client reconnects and catches up
over REST (`?after=`), as after any drop, rather than losing frames unnoticed.

One `RoomFanout` per event loop and channel layer (tests run several loops).
"""

import asyncio
import logging
import weakref

from .services import room_group

logger = logging.getLogger(__name__)

CLOSE_TRY_AGAIN = 1013  # RFC 6455: the server is overloaded, try again later
OUTBOX_SIZE = 1000  # frames waiting for one connection before it is closed

_fanouts: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def fanout_for(layer) -> "RoomFanout":
    """This event loop's fan-out over `layer`."""
    by_layer = _fanouts.setdefault(asyncio.get_running_loop(), {})
    fanout = by_layer.get(id(layer))
    if fanout is None or fanout.layer is not layer:
        fanout = by_layer[id(layer)] = RoomFanout(layer)
    return fanout


class RoomFanout:
    """The rooms this process has connections subscribed to, and who they are:
    `subscribe` and `unsubscribe` for a connection; one task receives for them all
    (every event of a room's group names its `room`)."""

    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.local: dict[int, set] = {}  # room id -> the connections subscribed to it
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []  # receiving, and renewing the memberships

    async def subscribe(self, room_id: int, connection) -> None:
        """`connection` (a consumer with `deliver(event)`) receives the room's events."""
        async with self._lock:
            if self.channel is None:
                # channels-redis receives for all of a process's channels through one
                # lock and one Redis list per prefix: the default one, as a consumer's.
                self.channel = await self.layer.new_channel()
            # Joining again at each subscription keeps the membership from expiring
            # (the layer's group_expiry) while the room has connections here.
            await self.layer.group_add(room_group(room_id), self.channel)
            self.local.setdefault(room_id, set()).add(connection)
            if not self._tasks:
                self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._renew())]

    async def unsubscribe(self, room_id: int, connection) -> None:
        async with self._lock:
            connections = self.local.get(room_id)
            if connections is None or connection not in connections:
                return
            connections.discard(connection)
            if connections:
                return
            del self.local[room_id]
            await self.layer.group_discard(room_group(room_id), self.channel)
            if not self.local:  # nothing to receive for: started again when needed
                for task in self._tasks:
                    task.cancel()
                self._tasks = []

    async def _run(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except Exception:  # Redis went away: the layer reconnects; clients catch up
                logger.warning("Could not receive the rooms' events", exc_info=True)
                await asyncio.sleep(1)
                continue
            for connection in list(self.local.get(event.get("room"), ())):
                connection.deliver(event)

    async def _renew(self) -> None:
        """Join the rooms' groups again every half `group_expiry` (the layer drops a
        membership older than that), events or not."""
        interval = getattr(self.layer, "group_expiry", 86400) / 2
        while True:
            await asyncio.sleep(interval)
            async with self._lock:
                for room_id in list(self.local):
                    await self.layer.group_add(room_group(room_id), self.channel)


class OutboxMixin:
    """For consumers fed by a RoomFanout: `deliver(event)` queues the event, and a task
    of the connection dispatches it to the consumer's handler (`chat.event` to
    `chat_event`, ...), in the order received. The consumer handles its client's
    frames `async with self.turn`: an event waits for the frame being handled, as it
    would in Channels' own dispatch (a sender gets its ack before its message)."""

    _outbox: asyncio.Queue | None = None
    _outbox_task: asyncio.Task | None = None

    def start_outbox(self) -> None:
        self.turn = asyncio.Lock()
        self._outbox = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self._outbox_task = asyncio.create_task(self._drain_outbox())

    def deliver(self, event: dict) -> None:
        if self._outbox is None or self.closed:
            return
        try:
            self._outbox.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("Closing a chat connection %s frames behind", self._outbox.qsize())
            self._outbox = None
            self._closing = asyncio.create_task(self.close(code=CLOSE_TRY_AGAIN))

    async def _drain_outbox(self) -> None:
        outbox = self._outbox
        while True:
            event = await outbox.get()
            try:
                async with self.turn:
                    await self.dispatch(event)
            except Exception:  # one frame that fails must not stop the others
                logger.exception("Could not deliver %s", event.get("type"))

    def stop_outbox(self) -> None:
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            self._outbox_task = None
        self._outbox = None
