"""The system scaled out on one machine, for the scale-out test (test_scaleout.py): two
web processes (uvicorn serving config.asgi:application on two loopback ports), two Celery
workers and one Celery beat, sharing one PostgreSQL database, one Redis and one S3
bucket, as replicas of docker-compose.yml's services would.

    system = System.create(directory, database_url=..., redis_url=..., broker_url=...,
                           storage_url=..., bucket=..., settings=SETTINGS)
    system.start()          # web processes and workers at once; back once each is ready
    a, b = system.webs
    system.start_beat()     # beat reads its schedule from the database as it starts
    ...
    system.stop()           # SIGTERM, then SIGKILL after STOP_TIMEOUT, whatever happened

Every process gets the same environment, so that they agree on the services: Redis by
explicit URLs (the cache and channel layer's database, the broker's), not recomputed
from PYTEST_XDIST_WORKER, which is left out. Each one writes its output to a file of
`directory`; `tails()` gives the end of each, for a failure to be diagnosed.

What a client does against the web processes (JSON, multipart, WebSocket URLs) is on
`Web`; frames of /ws/chat/ are read with api.v1.features.chat.tests.live's helpers,
whose loopback host, free ports and stop grace these processes share.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from celery import Celery

from api.v1.features.chat.tests.live import HOST, ROOT, STOP_GRACE, TIMEOUT, free_port

# The processes' settings (environment variables) that the tests count on: batches of
# an import commit often, and a worker that stopped is noticed within seconds (the import
# of test_scaleout is taken up again a few seconds after its worker died); three failed
# logins and a fourth attempt is refused.
SETTINGS = {
    "DATA_JOB_BATCH_SIZE": "500",
    "DATA_JOB_STALLED_AFTER": "5",
    "THROTTLE_LOGIN_FAILURES": "3/15m",
}
# Where a web process says it can take traffic (database, cache, Redis, storage answer);
# /api/v1/health/, the first health URL, answers the same.
READY_PATH = "/api/v1/health/ready/"
START_TIMEOUT = 60.0  # seconds: every process ready
STOP_TIMEOUT = 10.0  # seconds after SIGTERM before SIGKILL
POLL = 0.1  # seconds between two looks at something awaited
TAIL_LINES = 40

# "[2026-12-06 12:14:21,984: INFO/MainProcess] Task core.tasks.clear_expired_sessions[3f0c...]
# succeeded in 0.01s: None"
_TASK_LINE = re.compile(
    r"^\[(?P<at>[\d-]+ [\d:]+,\d+): \w+/\w+\] "
    r"Task (?P<name>[\w.]+)\[(?P<id>[0-9a-f-]+)\] (?P<event>\w+)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class TaskEvent:
    """A line of a worker's log about a task: received, succeeded, failed..."""

    at: datetime
    name: str
    id: str
    event: str


def wait_for(check, timeout: float, what: str, interval: float = POLL):
    """The first true value `check()` returns, polled every `interval` seconds; an
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout} s for {what}: last seen {value!r}.")
        time.sleep(interval)


def redis_database(url: str) -> int:
    return int(urlsplit(url).path.strip("/") or 0)


def with_redis_database(url: str, number: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


@dataclass
class Process:
    """One process of the system, its output going to `log`."""

    name: str
    command: list[str]
    log: Path
    environment: dict[str, str] = field(repr=False)
    popen: subprocess.Popen | None = field(default=None, repr=False)
    _offset: int = field(default=0, repr=False)

    def start(self) -> None:
        with self.log.open("ab") as output:
            self._offset = output.tell()  # where this run's output starts
            # A session of its own: the process and whatever it forks are stopped together.
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, number: int) -> None:
        """Send `number` to the process's group, unless it has already been reaped (its
        id could then be another process's)."""
        if self.popen is not None and self.popen.returncode is None:
            with suppress(ProcessLookupError):  # exited, not reaped yet
                os.killpg(self.popen.pid, number)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no clean-up of any kind."""
        self.signal(signal.SIGKILL)
        self.popen.wait()

    def output(self) -> str:
        """What the process wrote since it was last started."""
        if self.popen is None:
            return ""
        with self.log.open("rb") as log:
            log.seek(self._offset)
            return log.read().decode(errors="replace")

    def tail(self, lines: int = TAIL_LINES) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def is_ready(self) -> bool:
        raise NotImplementedError


class Web(Process):
    """uvicorn serving config.asgi:application (HTTP and WebSocket) on a loopback port."""

    def __init__(self, name: str, log: Path, environment: dict[str, str]):
        self.port = free_port()
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
        command += ["--host", HOST, "--port", str(self.port), "--log-level", "warning"]
        command += ["--timeout-graceful-shutdown", str(STOP_GRACE)]
        command += ["--ws-per-message-deflate", "false"]  # as the image serves
        super().__init__(name, command, log, environment)
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy from the environment: loopback only

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def ws_url(self, path: str, token: str) -> str:
        return f"ws://{HOST}:{self.port}{path}?token={token}"

    def is_ready(self) -> bool:
        try:
            return self.http.get(self.url(READY_PATH), timeout=TIMEOUT).status_code == 200
        except requests.ConnectionError:  # not listening yet
            return False

    def request(self, method: str, path: str, token: str | None = None, **options):
        """A request to the process (requests' options: json=, data=, files=...); the
        response as it is, redirects not followed."""
        headers = options.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        options.setdefault("timeout", TIMEOUT)
        options.setdefault("allow_redirects", False)
        return self.http.request(method, self.url(path), headers=headers, **options)

    def api(self, method: str, path: str, token: str | None = None, **options):
        """(status, JSON body) of a request."""
        response = self.request(method, path, token, **options)
        return response.status_code, response.json()


class Worker(Process):
    """A Celery worker running one task at a time (solo pool: the task runs in the
    process itself, so killing the process kills the task)."""

    def __init__(self, node: str, log: Path, environment: dict[str, str]):
        self.node = node
        command = [sys.executable, "-m", "celery", "-A", "config", "--quiet", "worker", "-n", node]
        command += ["--pool=solo", "--prefetch-multiplier=1", "--loglevel=INFO"]
        command += ["--without-mingle", "--without-gossip"]
        super().__init__(node.split("@")[0], command, log, environment)

    def events(self, event: str = "succeeded") -> list[TaskEvent]:
        """The tasks this worker logged `event` of, in order."""
        return [
            TaskEvent(
                datetime.strptime(found["at"], "%Y-%m-%d %H:%M:%S,%f"),
                found["name"],
                found["id"],
                found["event"],
            )
            for found in _TASK_LINE.finditer(self.output())
            if found["event"] == event
        ]

    def tasks(self, event: str = "succeeded") -> set[str]:
        """The ids of the tasks this worker logged `event` of."""
        return {each.id for each in self.events(event)}


class Beat(Process):
    """Celery beat with the DatabaseScheduler of the settings, waking at least every
    second (a task due every second is sent on time)."""

    def __init__(self, log: Path, environment: dict[str, str]):
        command = [sys.executable, "-m", "celery", "-A", "config", "--quiet", "beat"]
        command += ["--loglevel=INFO", "--max-interval=1"]
        super().__init__("beat", command, log, environment)

    def is_ready(self) -> bool:
        return "beat: Starting..." in self.output()

    def sent(self, task_name: str) -> int:
        """How many times it sent `task_name` ("Sending due task <entry> (<task>)")."""
        return sum(
            1
            for line in self.output().splitlines()
            if "Sending due task" in line and line.endswith(f"({task_name})")
        )


@dataclass
class System:
    """The processes, the environment they share and the broker they use."""

    directory: Path
    environment: dict[str, str]
    broker_url: str
    webs: list[Web]
    workers: list[Worker]
    beat: Beat
    bucket: str = ""  # the S3 bucket of FILE_STORAGE_URL

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        database_url: str,
        redis_url: str,
        broker_url: str,
        storage_url: str,
        bucket: str,
        settings: dict[str, str],
        clear_environment=(),
    ) -> "System":
        """The system, not started: `redis_url` is the cache's and channel layer's Redis
        database, `broker_url` Celery's (broker and results), `storage_url`
        FILE_STORAGE_URL (of `bucket`), `settings` more environment variables of the
        settings; `clear_environment` names variables of this process the others must
        not have."""
        left_out = {
            *clear_environment,
            "PYTEST_XDIST_WORKER",
            "PYTEST_XDIST_WORKER_COUNT",
            # Not measured by coverage (pyproject.toml's patch = ["subprocess"]): it makes
            # them several times slower, and what they run the in-process tests measure.
            "COVERAGE_PROCESS_CONFIG",
            "COVERAGE_PROCESS_START",
        }
        environment = {
            **{name: value for name, value in os.environ.items() if name not in left_out},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "FILE_STORAGE_URL": storage_url,
            "DJANGO_VAR_DIR": str(directory),
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        run = uuid.uuid4().hex[:8]
        webs = [Web(f"web-{n}", directory / f"web-{n}.log", environment) for n in "ab"]
        workers = [
            Worker(f"worker{n}@scaleout-{run}", directory / f"worker{n}.log", environment)
            for n in (1, 2)
        ]
        beat = Beat(directory / "beat.log", environment)
        return cls(directory, environment, broker_url, webs, workers, beat, bucket)

    @property
    def processes(self) -> list[Process]:
        return [*self.webs, *self.workers, self.beat]

    def start(self) -> None:
        """Start the web processes and the workers at once; return once each is ready
        (a web process answers READY_PATH, a worker a ping), or fail with their output.
        Beat is started by `start_beat`."""
        for process in [*self.webs, *self.workers]:
            process.start()
        self.wait_until_ready([*self.webs, *self.workers])

    def start_beat(self) -> Beat:
        """Start beat (it reads the whole schedule from the database as it starts)."""
        self.beat.start()
        self.wait_until_ready([self.beat])
        return self.beat

    def stop_beat(self) -> None:
        if not self.beat.running:
            return
        self.beat.signal(signal.SIGTERM)
        try:
            self.beat.popen.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.beat.kill()

    def wait_until_ready(self, processes) -> None:
        """Poll `processes` until each is ready; fail with the output of one that
        exited, or of all after START_TIMEOUT."""
        waiting = list(processes)
        deadline = time.monotonic() + START_TIMEOUT
        while waiting:
            for process in list(waiting):
                if not process.running:
                    raise RuntimeError(
                        f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}"
                    )
                if not isinstance(process, Worker) and process.is_ready():
                    waiting.remove(process)
            workers = [process for process in waiting if isinstance(process, Worker)]
            for node in self.ping(workers):
                waiting.remove(next(w for w in workers if w.node == node))
            if waiting and time.monotonic() > deadline:
                names = ", ".join(process.name for process in waiting)
                raise RuntimeError(f"Not ready in {START_TIMEOUT} s: {names}.\n{self.tails()}")
            if waiting:
                time.sleep(POLL)

    def ping(self, workers, timeout: float = 0.5) -> set[str]:
        """The nodes among `workers` that answer a ping through the broker."""
        if not workers:
            return set()
        app = Celery("scaleout-ping", broker=self.broker_url, set_as_current=False)
        try:
            nodes = [worker.node for worker in workers]
            replies = app.control.ping(destination=nodes, timeout=timeout, limit=len(nodes))
        finally:
            app.close()
        return {node for reply in replies for node in reply}

    def restart(self, worker: Worker) -> None:
        """Start a stopped worker again (after a test killed it)."""
        worker.start()
        self.wait_until_ready([worker])

    def stop(self) -> None:
        """SIGTERM to every process, SIGKILL to those still running STOP_TIMEOUT seconds
        later (a worker finishes its task first on SIGTERM)."""
        for process in self.processes:
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes:
            if process.popen is None:
                continue
            try:
                process.popen.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                process.kill()
        for web in self.webs:
            web.http.close()

    def worker_running(self, task_id: str) -> Worker | None:
        """The worker that received the task `task_id`."""
        return next((w for w in self.workers if task_id in w.tasks("received")), None)

    def executions(self, task_name: str) -> dict[str, list[tuple[str, datetime]]]:
        """{task id: [(worker, when), ...] of its successful runs} of `task_name`."""
        found = defaultdict(list)
        for worker in self.workers:
            for each in worker.events("succeeded"):
                if each.name == task_name:
                    found[each.id].append((worker.name, each.at))
        return dict(found)

    def tails(self) -> str:
        """The last lines each process wrote since it was last started."""
        return "\n".join(
            f"----- {process.name} ({process.log}), last {TAIL_LINES} lines -----\n"
            f"{process.tail() if process.popen else '(not started)'}"
            for process in self.processes
        )
