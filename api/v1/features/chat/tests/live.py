# ruff: noqa: S310  (loopback URLs of the server it starts)
"""The chat served for real, for its end-to-end test (test_live_server.py) and
bench/chat_speed.py: uvicorn serving config.asgi:application on a free loopback port in
a process of its own, and what a client does against it (REST with urllib, frames of
/ws/chat/ with websockets).

    with served(database_url(connection, directory), directory) as server:
        async with connect(server.ws_url(token)) as ws:
            await send(ws, type="subscribe", room=room_id)
            await next_frame(ws, "subscribed")
        status, message = server.api(token, "POST", messages_path(room_id), {...})

The server runs with the test settings and this process's environment (REDIS_URL
included: channels-redis and the Redis cache, else the in-memory layer, which is why it
is one process serving both REST and WebSocket).
"""

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import connect as _connect

ROOT = Path(__file__).resolve().parents[5]
HOST = "127.0.0.1"
TIMEOUT = 5.0  # seconds: a frame, a request, opening a socket
START_TIMEOUT = 60.0  # seconds: the server answering its health check
# Seconds the server's connections get to finish when it stops (then cancelled): on the
# Redis layer a consumer outlives its socket until its blocking read returns, 5 s later.
STOP_GRACE = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def database_url(connection, directory: Path) -> str:
    """DATABASE_URL for a server process to use the database `connection` uses (the
    test database): the same name on the PostgreSQL server of DATABASE_URL, the same
    SQLite file. An in-memory SQLite database (pytest-django's) cannot be shared by two
    processes: the server gets a copy of it as it is now, in a file of `directory`, and
    what it writes there is seen through it only."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        parts = urlsplit(os.environ["DATABASE_URL"])
        return urlunsplit(parts._replace(path=f"/{name}"))
    if connection.is_in_memory_db():
        name = directory / "server.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(name)) as copy:
            connection.connection.backup(copy)
    return f"sqlite:///{name}"


@dataclass
class Server:
    """The served system: its URLs, its process, and REST requests to it."""

    address: str  # host:port
    process: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://{self.address}"

    def ws_url(self, token: str) -> str:
        return f"ws://{self.address}/ws/chat/?token={token}"

    def rss(self) -> int:
        """The server process's resident memory, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"No VmRSS for process {self.process.pid}.")

    def api(self, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
        """(status, JSON answer) of a request authenticated by `token`; errors included."""
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.load(error)

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"The server exited with {self.process.returncode}.")
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health/ready/", timeout=TIMEOUT):
                    return
            except OSError:  # not listening yet (connection refused), or not ready (503)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"The server did not answer in {START_TIMEOUT} s.") from None
                time.sleep(0.1)


@contextmanager
def served(database_url: str, directory: Path, output=None, grace: int = STOP_GRACE):
    """uvicorn (one worker) serving config.asgi:application with the test settings on
    `database_url`, its files in `directory`; its warnings and errors go to `output` (a
    file), or where this process's go; `grace`: seconds its requests and connections
    get to finish once it is told to stop. Stopped on leaving, whatever happened."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "DJANGO_VAR_DIR": str(directory),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    address = f"{HOST}:{free_port()}"
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
    options = ["--host", HOST, "--port", address.rsplit(":", 1)[1], "--log-level", "warning"]
    options += ["--timeout-graceful-shutdown", str(grace), "--ws-per-message-deflate", "false"]
    process = subprocess.Popen(
        [*command, *options],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=None if output is None else subprocess.STDOUT,
    )
    try:
        server = Server(address, process)
        server.wait_until_up()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10 + grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def messages_path(room_id, **query) -> str:
    """The REST path of a room's messages (`after=41`: those after that sequence)."""
    path = f"/api/v1/chat/rooms/{room_id}/messages/"
    return f"{path}?{urlencode(query)}" if query else path


def connect(url: str):
    """A /ws/chat/ client connection (`async with`, or awaited), opened within TIMEOUT."""
    return _connect(url, open_timeout=TIMEOUT)


async def send(ws, **frame) -> None:
    await ws.send(json.dumps(frame))


async def next_frame(ws, kind: str, timeout: float = TIMEOUT) -> dict:
    """The next frame of type `kind` the connection receives, skipping those of other
    types (typing, and whatever the protocol adds); an error frame, unless one is
    awaited, fails at once."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame
            if frame["type"] == "error":
                raise AssertionError(f"Waiting for a {kind} frame, got {frame}")
