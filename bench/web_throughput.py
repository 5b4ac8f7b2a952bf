"""Requests per second of the web process: one uvicorn process serving the application,
then two, for an authenticated read and an authenticated write.

Serves the system as chat_speed.py does (api/v1/features/chat/tests/live.py: uvicorn
with one worker, config.asgi, the test settings with CELERY_TASK_ALWAYS_EAGER=false,
so the Celery tasks a request makes are queued on the broker, as in production, and
no worker runs them), on the database below. The data: --organizations organizations
of --products products each (category, unit, two tags, custom fields) and 100 contacts
each; one user, an administrator of the first organization, with a JWT made by the
login's own code (a login session, as a real client holds).

Workloads, each run for --warmup seconds (not counted) then --duration seconds:

- read: GET /api/v1/products/?page_size=25 (the first page of the organization's
  products, its count included);
- write: POST /api/v1/contacts/ (a contact with an e-mail address and a tag, audited;
  its search index update queued).

The load generator runs in this process on one event loop (uvloop when installed):
--connections HTTP/1.1 keep-alive connections over loopback, each sending its next
request as soon as the previous answer has been read (a closed loop: the server's
capacity, not a rate offered; past the few connections that saturate a process, more
only lengthen the queue, and the latency with it). With two server processes, each on
its own port, the connections are spread over them in turn, as the proxy in front of
the web containers does (`docker compose up --scale web=2`, WEB_CONCURRENCY=1);
`uvicorn --workers 2` shares one socket instead and the kernel spreads the connections.

Printed per workload and number of processes: requests/s, p50/p95/p99 latency (send
to the last byte of the answer, as the client sees it), the answers other than
expected, the most connections the servers held to PostgreSQL (pg_stat_activity), and
the CPU used during the measurement, in cores: by the server processes, by PostgreSQL
(the postmaster and its backends, ended ones included) and Redis when they run on this
machine, by PgBouncer with --pgbouncer, by this client, and by the rest of the machine
(other: the kernel, anything else running); then the ratio of two processes to one.
The client, the servers, the database and Redis share the machine: on two CPUs the
servers compete with PostgreSQL for them, which bounds the ratio; the ratios and the
CPU per request matter more than the absolute figures.

The servers connect to the database as configured (DATABASE_CONN_MAX_AGE: 0 by
default, a new connection per request), or through a PgBouncer (transaction pooling)
at --pgbouncer HOST:PORT, which must reach the database server of DATABASE_URL and let
the same user in (its pool's connections are ended before the database is dropped).
With REDIS_URL set, the cache and the broker are on that Redis database, which is
emptied before and after the run (give the bench one of its own); without it, the
local-memory cache and the filesystem broker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/web_throughput.py [--duration 10] [--warmup 3] \\
        [--connections 8] [--products 500] [--organizations 10] [--processes 1,2] \\
        [--pgbouncer 127.0.0.1:6432]
"""

import asyncio
import json
import os
import re
import statistics
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import common

# The bench's tokens must outlive the run (15 minutes by default).
os.environ["JWT_ACCESS_TOKEN_MINUTES"] = "1440"  # noqa: S105 (a lifetime, not a secret)

ARGS = common.start(
    __doc__,
    [
        ("--duration", {"type": float, "default": 10.0, "help": "seconds measured per run"}),
        ("--warmup", {"type": float, "default": 3.0, "help": "seconds before measuring"}),
        ("--connections", {"type": int, "default": 8, "help": "keep-alive connections"}),
        ("--products", {"type": int, "default": 500, "help": "per organization"}),
        ("--organizations", {"type": int, "default": 10}),
        ("--processes", {"default": "1,2", "help": "server processes of each run"}),
        (
            "--pgbouncer",
            {"metavar": "HOST:PORT", "help": "the servers connect through this PgBouncer"},
        ),
    ],
    redis_url=lambda args: os.environ.get("REDIS_URL"),
)

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from taggit.models import Tag, TaggedItem

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.common.models import Category, UnitOfMeasure
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.chat.tests.live import database_url, served
from api.v1.features.products.models import Product
from rbac.roles import ROLE_NAMES

READ_PATH = "/api/v1/products/?page_size=25"
WRITE_PATH = "/api/v1/contacts/"
TICKS = os.sysconf("SC_CLK_TCK")
# An error of the servers' log: uvicorn's ("ERROR:    ...") or Django's, plain ("<date>
# <time> ERROR <logger>: ...") or JSON ({..., "level": "ERROR", ...}).
SERVER_ERROR = re.compile(
    r'^(?:(?:ERROR|CRITICAL):|\S+ \S+ (?:ERROR|CRITICAL) |\{.*"level": "(?:ERROR|CRITICAL)")'
)
MB = 1024 * 1024


def setup() -> tuple[int, str]:
    """The organizations and their records (written in bulk: no audit rows), the
    administrator of the first one: (its organization's id, the user's access token)."""
    organizations = [
        Organization.objects.create(
            name=f"Bench {i:02}", code=f"BENCH{i:02}", organization_type_id="Company"
        )
        for i in range(ARGS.organizations)
    ]
    category = Category.objects.create(name="Bench products", category_type="PRODUCT")
    unit = UnitOfMeasure.objects.get(code="EA")
    tags = Tag.objects.bulk_create([Tag(name=f"tag-{i}", slug=f"tag-{i}") for i in range(20)])
    # The written contacts' tag exists: what is measured is the steady state, not the
    # first requests racing to create it.
    Tag.objects.create(name="bench", slug="bench")
    Product.objects.bulk_create(
        [
            Product(
                organization=organization,
                name=f"Product {o}-{i}",
                sku=f"SKU-{o}-{i}",
                description="A product of the benchmark.",
                category=category,
                base_uom=unit,
                custom_fields={"color": "red", "weight": i},
                attributes={"size": "M"},
            )
            for o, organization in enumerate(organizations)
            for i in range(ARGS.products)
        ],
        batch_size=1000,
    )
    Contact.objects.bulk_create(
        [
            Contact(organization=organization, first_name=f"First {i}", last_name=f"Last {o}")
            for o, organization in enumerate(organizations)
            for i in range(100)
        ],
        batch_size=1000,
    )
    content_type = ContentType.objects.get_for_model(Product)
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(content_type=content_type, object_id=pk, tag=tags[(pk + shift) % 20])
            for pk in Product.objects.values_list("pk", flat=True)
            for shift in (0, 7)
        ],
        batch_size=2000,
    )
    user = get_user_model().objects.create_user("bench", email="bench@example.com")
    OrganizationMembership.objects.create(
        user=user,
        organization=organizations[0],
        role=Group.objects.get(name=ROLE_NAMES["administrator"]),
    )
    if connection.vendor == "postgresql":  # statistics, as autovacuum keeps them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return organizations[0].pk, tokens_for(user)["access"]


# ---------------------------------------------------------------------------- client
class Workload:
    """The requests of one workload, as bytes, for a server address."""

    def __init__(self, name: str, token: str, organization: int):
        self.name, self.token, self.organization = name, token, organization
        self.expected = 200 if name == "read" else 201
        self.numbers = iter(range(10**9))

    def request(self, address: str) -> bytes:
        head = f"Host: {address}\r\nAuthorization: Bearer {self.token}\r\n"
        head += "Accept: application/json\r\n"
        if self.name == "read":
            return f"GET {READ_PATH} HTTP/1.1\r\n{head}\r\n".encode()
        number = next(self.numbers)
        body = json.dumps(
            {
                "organization": self.organization,
                "first_name": f"Ada {number}",
                "last_name": "Bench",
                "email_addresses": [{"email": f"ada{number}@example.com", "is_primary": True}],
                "tags": ["bench"],
            }
        ).encode()
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return f"POST {WRITE_PATH} HTTP/1.1\r\n{head}\r\n".encode() + body


async def exchange(reader, writer, request: bytes) -> tuple[int, bool]:
    """Send one request and read its whole answer: (status, whether the server keeps
    the connection open)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                break
    return status, headers.get("connection") != "close"


@dataclass
class Run:
    """What one measurement saw."""

    latencies: list[float] = field(default_factory=list)
    unexpected: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # of one CPU's time: 1.0 = a core
    rss: list[int] = field(default_factory=list)
    connections: int | None = None  # the most PostgreSQL connections of the servers seen


async def load(workload: Workload, addresses: list[str], run: Run) -> None:
    """--connections closed loops until the warm-up and the measurement are over; the
    answers that end after the warm-up and before the end are counted."""
    start = time.perf_counter()
    measuring_from = start + ARGS.warmup
    until = measuring_from + ARGS.duration

    async def one(address: str) -> None:
        host, port = address.rsplit(":", 1)
        reader = writer = None
        while time.perf_counter() < until:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, int(port))
            request = workload.request(address)
            sent = time.perf_counter()
            status, keep = await exchange(reader, writer, request)
            done = time.perf_counter()
            if measuring_from <= sent and done <= until:
                run.latencies.append(done - sent)
                if status != workload.expected:
                    run.unexpected[status] = run.unexpected.get(status, 0) + 1
            if not keep:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(
        *(one(addresses[i % len(addresses)]) for i in range(ARGS.connections)),
        measure(measuring_from, until, run),
    )


def busy_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of the machine's CPUs since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def stat_fields(pid) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command's name (state first), or None
    for a process that is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_ticks(pid: int, children: bool = False) -> int:
    """User and system clock ticks of a process, and with `children` those of its
    children, running or ended (PostgreSQL: the postmaster and its backends)."""
    fields = stat_fields(pid)
    if fields is None:
        return 0
    ticks = sum(int(value) for value in fields[11 : 15 if children else 13])
    if children:  # the children running now; those that ended are in the fields above
        for entry in Path("/proc").iterdir():
            child = stat_fields(entry.name) if entry.name.isdigit() else None
            if child is not None and child[1] == str(pid):
                ticks += sum(int(value) for value in child[11:15])
    return ticks


def process_named(name: str) -> int | None:
    """The id of a process of this machine called `name`, if there is one."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                return int(entry.name)
        except OSError:  # gone meanwhile
            continue
    return None


def service_pids() -> dict[str, tuple[int, bool]]:
    """{"PostgreSQL": (postmaster pid, True), "Redis": (pid, False)} of the servers this
    bench uses, when they run on this machine (their CPU is then measured too)."""
    pids = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        stat = Path(f"/proc/{backend}/stat")
        if stat.exists():  # the parent of a backend: the postmaster
            pids["PostgreSQL"] = (int(stat.read_text().rsplit(")", 1)[1].split()[1]), True)
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        pid = client.info("server")["process_id"]
        client.close()
        if Path(f"/proc/{pid}").exists():
            pids["Redis"] = (pid, False)
    # A PgBouncer of this machine, found by its name.
    if ARGS.pgbouncer and (pid := process_named("pgbouncer")) is not None:
        pids["PgBouncer"] = (pid, False)
    return pids


SERVER_PIDS: list[int] = []
SERVICE_PIDS: dict[str, tuple[int, bool]] = {}


def cpu_ticks() -> dict[str, int]:
    ticks = {"servers": sum(process_ticks(pid) for pid in SERVER_PIDS)}
    ticks.update({name: process_ticks(*pid) for name, pid in SERVICE_PIDS.items()})
    return ticks


async def measure(measuring_from: float, until: float, run: Run) -> None:
    """The CPU time of the servers, of this process, of PostgreSQL and Redis and of the
    machine while measuring."""
    await asyncio.sleep(max(0.0, measuring_from - time.perf_counter()))
    machine, before = busy_ticks(), cpu_ticks()
    client, began = time.process_time(), time.perf_counter()
    await asyncio.sleep(max(0.0, until - time.perf_counter()))
    run.seconds = time.perf_counter() - began
    client = time.process_time() - client
    after, busy = cpu_ticks(), (busy_ticks()[0] - machine[0]) / TICKS
    used = {name: (after[name] - before[name]) / TICKS for name in before}
    used["client"] = client
    used["other"] = max(0.0, busy - sum(used.values()))
    run.cpu = {name: seconds / run.seconds for name, seconds in used.items()}


class ConnectionCount(threading.Thread):
    """The most connections to the database seen (PostgreSQL's pg_stat_activity, every
    0.2 s, on a connection of its own, not counted) until stopped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.peak = url, 0
        self.stopping = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as watcher:
            while not self.stopping.wait(0.2):
                (count,) = watcher.execute(
                    "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()"
                ).fetchone()
                self.peak = max(self.peak, count)

    def stop(self) -> int:
        self.stopping.set()
        self.join()
        return self.peak


def through_pgbouncer(url: str, address: str) -> str:
    """The database URL of `url` at PgBouncer's address, without server-side cursors
    (Django's iterator() keeps one open across transactions, which transaction pooling
    does not allow)."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@{address}" if user else address
    return urlunsplit(parts._replace(netloc=netloc, query="disable_server_side_cursors=True"))


def run_workload(workload: Workload, servers, url: str) -> Run:
    run = Run()
    runner = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        pass
    counter = ConnectionCount(url) if url.startswith("postgres") else None
    if counter:
        counter.start()
    runner(load(workload, [server.address for server in servers], run))
    if counter:
        run.connections = counter.stop()
    run.rss = [server.rss() for server in servers]
    return run


# ------------------------------------------------------------------------------ report
def rate(run: Run) -> float:
    return len(run.latencies) / run.seconds


def report_run(name: str, processes: int, run: Run) -> None:
    cuts = statistics.quantiles(run.latencies, n=100, method="inclusive")
    print(
        f"  {name:<5} {processes} process{'es' if processes > 1 else '  '} "
        f"{rate(run):7.0f} req/s   p50 {cuts[49] * 1000:6.1f} ms  p95 {cuts[94] * 1000:6.1f} ms"
        f"  p99 {cuts[98] * 1000:6.1f} ms  ({len(run.latencies):,} requests)"
    )
    details = ["CPU: " + ", ".join(f"{what} {cores:.2f}" for what, cores in run.cpu.items())]
    if run.connections is not None:
        details.append(f"PostgreSQL connections at most {run.connections}")
    if run.unexpected:
        answers = ", ".join(f"{status}: {count}" for status, count in run.unexpected.items())
        details.append(f"unexpected answers: {answers}")
    print(f"{'':22}{'; '.join(details)}")


def main() -> None:
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    counts = [int(count) for count in ARGS.processes.split(",")]
    with common.database():
        if settings.REDIS_URL:
            cache.clear()  # the bench's Redis database: queued tasks of earlier runs
        organization, token = setup()
        directory = settings.VAR_DIR
        log = directory / "server.log"
        results: dict[tuple[str, int], Run] = {}
        url = database_url(connection, directory)
        SERVICE_PIDS.update(service_pids())
        connection.close()  # the servers' own connections only, while measuring
        print(
            f"{connection.vendor}{' and Redis' if settings.REDIS_URL else ''}, "
            f"{os.cpu_count()} CPUs; {ARGS.organizations} organizations of "
            f"{ARGS.products} products, the user administers one; {ARGS.connections} "
            f"keep-alive connections; {ARGS.warmup:g} s of warm-up, then {ARGS.duration:g} s "
            f"measured; DATABASE_CONN_MAX_AGE={os.environ.get('DATABASE_CONN_MAX_AGE', 0)}"
        )
        served_url = through_pgbouncer(url, ARGS.pgbouncer) if ARGS.pgbouncer else url
        if ARGS.pgbouncer:
            print(f"  the servers connect through PgBouncer at {ARGS.pgbouncer}")
        print(f"  read:  GET {READ_PATH}\n  write: POST {WRITE_PATH}")
        print(
            "  (CPU: cores' worth used while measuring, by the server processes, this client,"
            " PostgreSQL and Redis when local, and the rest of the machine: other)"
        )
        with log.open("wb") as output:
            for processes in counts:
                with ExitStack() as stack:
                    servers = [
                        stack.enter_context(served(served_url, directory, output))
                        for _ in range(processes)
                    ]
                    SERVER_PIDS[:] = [server.process.pid for server in servers]
                    for name in ("read", "write"):
                        run = run_workload(Workload(name, token, organization), servers, url)
                        results[name, processes] = run
                        report_run(name, processes, run)
                    rss = ", ".join(f"{value / MB:.0f}" for value in run.rss)
                    print(f"  resident memory of each server process afterwards: {rss} MB")
        if ARGS.pgbouncer:  # PgBouncer's pool would keep the database from being dropped
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        if len(counts) > 1:
            first, last = counts[0], counts[-1]
            for name in ("read", "write"):
                ratio = rate(results[name, last]) / rate(results[name, first])
                print(f"{name}: {last} processes / {first}: {ratio:.2f}x the requests/s")
        errors = sum(
            bool(SERVER_ERROR.match(line)) for line in log.read_text(errors="replace").splitlines()
        )
        print(f"errors the servers logged: {errors} (in {log})")
        if settings.REDIS_URL:
            cache.clear()  # the tasks queued for a worker that never came


if __name__ == "__main__":
    main()
