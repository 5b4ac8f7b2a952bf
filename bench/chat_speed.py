"""Chat over WebSocket on the Redis channel layer: how fast a message reaches a room's
members, how many messages one server process carries, and what an open connection
costs it.

Serves the system with one uvicorn worker (api/v1/features/chat/tests/live.py: the
test settings, the database below, channels-redis and the Redis cache), creates an
organization of --members members in one group room, and opens one /ws/chat/
connection per member, subscribed to the room (the JWT in the query string). All the
clients run in this process, on one event loop. In the order run:

- Memory per connection: the server's resident memory (VmRSS) with no connection
  open (after one was opened and closed: what is set up once is not counted) and with
  --idle idle connections open (the members connected several times each, each
  authenticated: a ping answered), the difference divided by their number; and the
  rate they were opened at.
- Delivery latency: one member sends --messages messages over their socket, one every
  --interval-ms milliseconds; for each message and each connection (the sender's too:
  every subscriber gets the broadcast), the time from the send to the frame's arrival:
  p50, p95, p99 and max, with the sender's acks and the rate the server accepted them
  at (below the rate offered, the later messages wait for the earlier ones); the
  deliveries lost (expected minus received, once all arrived or none did for 10 s);
  then each connection catches up over REST (`?after=` its last sequence received
  without a gap) and what is still missing is counted again.
- Throughput: --senders members send for --seconds seconds as fast as the server
  acknowledges (each sends again once acked): the messages accepted per second, and
  the deliveries to the members per second until the last one arrived.

The server queues the Celery tasks a message makes (its notifications) on Redis, as in
production, and no worker runs them. The server's warnings and errors go to a log
file, those of the run summed up. Needs
REDIS_URL; its database is emptied first (give the bench one of its own). The database
is a SQLite file or, with DATABASE_URL, a test database on that server (the server
connects as configured: DATABASE_CONN_MAX_AGE). The clients, the server, the database
and Redis share the machine: the times include the clients' own work.

    REDIS_URL=redis://127.0.0.1:6379/6 [DATABASE_URL=postgres://...] \\
        .venv/bin/python bench/chat_speed.py [--members 100] [--messages 100] \\
        [--interval-ms 200] [--senders 5] [--seconds 5] [--idle 1000]
"""

import asyncio
import itertools
import json
import os
import re
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import common


def redis_url(args) -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        sys.exit(
            "chat_speed.py measures the Redis channel layer: set REDIS_URL to a Redis "
            "database of its own, e.g. REDIS_URL=redis://127.0.0.1:6379/6."
        )
    return url


ARGS = common.start(
    __doc__,
    [
        ("--members", {"type": int, "default": 100}),
        ("--messages", {"type": int, "default": 100}),
        ("--interval-ms", {"type": float, "default": 200.0}),
        ("--senders", {"type": int, "default": 5}),
        ("--seconds", {"type": float, "default": 5.0}),
        ("--idle", {"type": int, "default": 1000}),
    ],
    redis_url=redis_url,
)

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from websockets.exceptions import ConnectionClosedError

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.user.models import UserProfile
from api.v1.features.chat import services
from api.v1.features.chat.choices import RoomType
from api.v1.features.chat.tests.live import (
    connect,
    database_url,
    messages_path,
    next_frame,
    send,
    served,
)
from rbac.roles import ROLE_NAMES

User = get_user_model()
AT_ONCE = 50  # connections opened, or closed, at the same time
DRAIN = 10.0  # seconds without an awaited ack or delivery before giving up on the rest
MB = 1024 * 1024
# A warning or error of the server's log: uvicorn's ("ERROR:    ...") or Django's
# ("<date> <time> WARNING <logger>: ..."); and a line naming an exception.
LOG_RECORD = re.compile(r"^(?:(?:WARNING|ERROR|CRITICAL):|\S+ \S+ (?:WARNING|ERROR|CRITICAL) )")
EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception))\b")


def allow_open_files(count: int) -> None:
    """Let this process, and the server it starts, hold `count` sockets and their files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    if hard != resource.RLIM_INFINITY and hard < wanted:
        sys.exit(f"{wanted} open files are needed, the limit is {hard} (ulimit -n).")
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def setup() -> tuple[int, list[str]]:
    """The organization, its members (who may chat) in one group room, and their access
    tokens: (room id, tokens)."""
    organization = Organization.objects.create(
        name="Bench", code="BENCH", organization_type_id="Company"
    )
    User.objects.bulk_create(
        [User(username=f"member{i}", email=f"member{i}@example.com") for i in range(ARGS.members)]
    )
    users = list(User.objects.filter(username__startswith="member").order_by("pk"))
    UserProfile.objects.bulk_create(
        [UserProfile(user=user) for user in users], ignore_conflicts=True
    )
    role = Group.objects.get(name=ROLE_NAMES["member"])
    OrganizationMembership.objects.bulk_create(
        [OrganizationMembership(user=user, organization=organization, role=role) for user in users]
    )
    room = services.create_room(
        organization, users[0], RoomType.GROUP, "Everyone", [user.pk for user in users]
    )
    if connection.vendor == "postgresql":  # statistics, as autovacuum keeps them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return room.pk, [tokens_for(user)["access"] for user in users]


# ---------------------------------------------------------------------------- clients
async def open_connection(server, token, room_id=None):
    """A connection of the member of `token`: subscribed to `room_id`, or without one
    authenticated (a ping answered)."""
    socket = await connect(server.ws_url(token))
    if room_id is None:
        await send(socket, type="ping")
        await next_frame(socket, "pong")
    else:
        await send(socket, type="subscribe", room=room_id)
        await next_frame(socket, "subscribed")
    return socket


async def at_most_at_once(coroutines) -> list:
    limit = asyncio.Semaphore(AT_ONCE)

    async def one(coroutine):
        async with limit:
            return await coroutine

    return await asyncio.gather(*(one(coroutine) for coroutine in coroutines))


async def open_connections(server, tokens, room_id=None) -> list:
    return await at_most_at_once(open_connection(server, token, room_id) for token in tokens)


async def close_connections(sockets) -> None:
    await at_most_at_once(socket.close() for socket in sockets)


async def settled(futures) -> list:
    """The results of `futures`, once all are done or none was for DRAIN seconds."""
    pending = set(futures)
    while pending:
        done, pending = await asyncio.wait(pending, timeout=DRAIN)
        if not done:
            break
    return [future.result() for future in futures if future.done()]


class Phase:
    """The messages of one measurement, when each was sent, and when each of the room's
    `connections` connections received it."""

    def __init__(self, connections: int):
        self.connections = connections
        self.sent_at: dict[str, float] = {}
        self.received_at: dict[tuple[int, str], float] = {}
        self.expected: int | None = None
        self.complete = asyncio.Event()

    def sending(self, client_id: str) -> str:
        self.sent_at[client_id] = time.perf_counter()
        return client_id

    def delivered(self, member: int, client_id: str, at: float) -> None:
        if client_id in self.sent_at:  # not a message of another phase
            self.received_at.setdefault((member, client_id), at)
        if self.expected is not None and len(self.received_at) >= self.expected:
            self.complete.set()

    @property
    def latencies(self) -> list[float]:
        return [at - self.sent_at[client_id] for (_, client_id), at in self.received_at.items()]

    async def lost(self, messages: int) -> int:
        """The deliveries of `messages` messages missing once all arrived, or none did
        for DRAIN seconds."""
        self.expected = messages * self.connections
        while len(self.received_at) < self.expected:
            before = len(self.received_at)
            try:
                await asyncio.wait_for(self.complete.wait(), DRAIN)
            except TimeoutError:
                if len(self.received_at) == before:
                    break
        return self.expected - len(self.received_at)


class Member:
    """A member's subscribed connection: the sequences it received, the acks it awaits."""

    def __init__(self, index: int, socket, token: str):
        self.index, self.socket, self.token = index, socket, token
        self.sequences: set[int] = set()
        self.acks: dict[str, asyncio.Future] = {}
        self.phase: Phase | None = None
        self.dropped = False  # closed by the server

    async def send_message(self, room_id, client_id: str, content: str) -> asyncio.Future:
        """Send a message; the future of its (ack or error frame, time received)."""
        self.acks[client_id] = asyncio.get_running_loop().create_future()
        await send(self.socket, type="message", room=room_id, content=content, client_id=client_id)
        return self.acks[client_id]

    async def read(self) -> None:
        try:
            async for raw in self.socket:
                at = time.perf_counter()
                frame = json.loads(raw)
                if frame["type"] == "message":
                    message = frame["message"]
                    self.sequences.add(message["sequence"])
                    if self.phase is not None and message["client_id"]:
                        self.phase.delivered(self.index, message["client_id"], at)
                elif frame.get("client_id") in self.acks:  # its ack, or the error refusing it
                    self.acks.pop(frame["client_id"]).set_result((frame, at))
        except ConnectionClosedError:
            self.dropped = True


async def catch_up(server, room_id, member, sequences: set[int]) -> int:
    """What a client does on a gap: ask for what follows the last sequence it received
    without one, page by page; the sequences of `sequences` it still misses then."""
    after = min(sequences) - 1
    while after + 1 in member.sequences:
        after += 1
    has_more = True
    while has_more:
        path = messages_path(room_id, after=after, limit=200)
        status, page = await asyncio.to_thread(server.api, member.token, "GET", path)
        assert status == 200, page
        member.sequences.update(message["sequence"] for message in page["results"])
        has_more = page["has_more"]
        if page["results"]:
            after = page["results"][-1]["sequence"]
    return len(sequences - member.sequences)


# ------------------------------------------------------------------------ measurements
async def memory(server, tokens) -> dict:
    warm = await open_connection(server, tokens[0])
    await warm.close()
    before = server.rss()
    start = time.perf_counter()
    sockets = await open_connections(server, [tokens[i % len(tokens)] for i in range(ARGS.idle)])
    opening = time.perf_counter() - start
    during = server.rss()
    await close_connections(sockets)
    return {"before": before, "during": during, "opening": opening}


async def latency(server, room_id, members) -> dict:
    phase = Phase(len(members))
    for member in members:
        member.phase = phase
    sender, acks = members[0], []
    start = time.perf_counter()
    for number in range(ARGS.messages):
        await asyncio.sleep(
            max(0.0, start + number * ARGS.interval_ms / 1000 - time.perf_counter())
        )
        client_id = phase.sending(f"latency-{number}")
        acks.append(await sender.send_message(room_id, client_id, f"Hello {number}"))
    answers = await settled(acks)
    stored = [(frame["message"], at) for frame, at in answers if frame["type"] == "ack"]
    if not stored:
        raise RuntimeError("No message was acknowledged: see the server's log.")
    lost = await phase.lost(len(stored))
    sequences = {message["sequence"] for message, _at in stored}
    missing = await asyncio.gather(
        *(catch_up(server, room_id, member, sequences) for member in members)
    )
    return {
        "stored": len(stored),
        "accepting": max(at for _message, at in stored) - start,
        "ack": [at - phase.sent_at[message["client_id"]] for message, at in stored],
        "latencies": phase.latencies,
        "expected": phase.expected,
        "lost": lost,
        "missing after catch-up": sum(missing),
    }


async def throughput(room_id, members) -> dict:
    phase = Phase(len(members))
    for member in members:
        member.phase = phase
    deadline = time.perf_counter() + ARGS.seconds

    async def flat_out(sender) -> int:
        accepted, numbers = 0, itertools.count()
        while time.perf_counter() < deadline:
            client_id = phase.sending(f"load-{sender.index}-{next(numbers)}")
            answer = await settled([await sender.send_message(room_id, client_id, "Hi")])
            if not answer:
                break
            frame, _at = answer[0]
            accepted += frame["type"] == "ack" and frame["created"]
        return accepted

    start = time.perf_counter()
    accepted = sum(await asyncio.gather(*(flat_out(sender) for sender in members[: ARGS.senders])))
    sending = time.perf_counter() - start
    lost = await phase.lost(accepted)
    return {
        "accepted": accepted,
        "sending": sending,
        "delivered": len(phase.received_at),
        "delivering": max(phase.received_at.values(), default=start) - start,
        "latencies": phase.latencies,
        "lost": lost,
    }


async def run(server, room_id, tokens) -> dict:
    results = {"memory": await memory(server, tokens)}
    sockets = await open_connections(server, tokens, room_id)
    members = [
        Member(index, socket, token)
        for index, (socket, token) in enumerate(zip(sockets, tokens, strict=True))
    ]
    readers = [asyncio.create_task(member.read()) for member in members]
    results["latency"] = await latency(server, room_id, members)
    results["throughput"] = await throughput(room_id, members)
    results["dropped"] = sum(member.dropped for member in members)
    await close_connections([member.socket for member in members])
    await asyncio.gather(*readers)
    return results


# ------------------------------------------------------------------------------ report
def percentiles(seconds: list[float]) -> str:
    if len(seconds) < 2:
        return "too few to tell"
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    values = {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(seconds)}
    return "  ".join(f"{name} {value * 1000:7.1f} ms" for name, value in values.items())


def server_problems(log: Path) -> Counter:
    """The warnings and errors of the server's log, each by the last exception it names
    (else its first line)."""
    problems, current = Counter(), None
    for line in log.read_text(errors="replace").splitlines():
        if LOG_RECORD.match(line):
            if current is not None:
                problems[current] += 1
            current = line
        elif current is not None and (exception := EXCEPTION.match(line)):
            current = exception.group(1)
    if current is not None:
        problems[current] += 1
    return problems


def report(results: dict, vendor: str, log: Path) -> None:
    print(
        f"one uvicorn worker, {vendor} and Redis; {ARGS.members} members in one group room, "
        "one connection each"
    )
    found = results["memory"]
    per_connection = (found["during"] - found["before"]) / ARGS.idle
    print("\nmemory: the server's resident memory (VmRSS)")
    print(
        f"  {found['before'] / MB:.1f} MB with no connection, {found['during'] / MB:.1f} MB "
        f"with {ARGS.idle:,} idle: {per_connection / 1024:.1f} KB per connection"
    )
    print(
        f"  opened at {ARGS.idle / found['opening']:.0f}/s ({AT_ONCE} at a time, each "
        "answered once authenticated)"
    )
    found = results["latency"]
    print(
        f"\ndelivery latency: {ARGS.messages} messages from one member, one every "
        f"{ARGS.interval_ms:g} ms ({1000 / ARGS.interval_ms:.0f}/s), to {ARGS.members} "
        "connections"
    )
    print(
        f"  stored {found['stored']}, accepted at {found['stored'] / found['accepting']:.0f}/s"
        f" (the last ack {found['accepting']:.1f} s after the first send)"
    )
    print(f"  send to ack       {percentiles(found['ack'])}")
    print(f"  send to receipt   {percentiles(found['latencies'])}")
    print(
        f"  lost {found['lost']:,} of {found['expected']:,} deliveries; after catching up "
        f"over REST (?after=): {found['missing after catch-up']:,}"
    )
    found = results["throughput"]
    print(
        f"\nthroughput: {ARGS.senders} members sending as fast as acked for "
        f"{ARGS.seconds:g} s, to {ARGS.members} connections"
    )
    print(
        f"  accepted  {found['accepted'] / found['sending']:7,.0f} messages/s "
        f"({found['accepted']:,} in {found['sending']:.1f} s)"
    )
    print(
        f"  delivered {found['delivered'] / found['delivering']:7,.0f} frames/s   "
        f"({found['delivered']:,} of {found['accepted'] * ARGS.members:,} in "
        f"{found['delivering']:.1f} s, {found['lost']:,} lost)"
    )
    print(f"  send to receipt   {percentiles(found['latencies'])}")
    print(f"\nmembers' connections closed by the server meanwhile: {results['dropped']}")
    problems = results["problems"]
    listed = ", ".join(f"{what} {count}" for what, count in problems.most_common())
    print(f"server warnings and errors: {problems.total()}{f' ({listed})' if listed else ''}")
    print(f"  in {log}")


def main() -> None:
    allow_open_files(ARGS.idle + ARGS.members)
    # The server queues its background work (a message's notifications) as in
    # production, for a worker this benchmark does not run.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    with common.database():
        cache.clear()  # the Redis database: presence counts and groups of earlier runs
        room_id, tokens = setup()
        directory = settings.VAR_DIR
        log = directory / "server.log"
        with (
            log.open("wb") as output,
            served(database_url(connection, directory), directory, output) as server,
        ):
            results = asyncio.run(run(server, room_id, tokens))
            results["problems"] = server_problems(log)  # of the run, not of stopping
        report(results, connection.vendor, log)


if __name__ == "__main__":
    main()
