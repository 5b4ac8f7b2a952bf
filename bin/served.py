# ruff: noqa: S310, S603  (a developer tool: runs the project's commands, opens loopback URLs)
"""The system served as `make run` serves it, on a fresh database, for the tools of
bin/ that test it from outside (bin/fuzz-api, bin/api-check).

    with served() as (base, env):   # "http://127.0.0.1:<free port>", the server's env
        ...
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("VENV", ROOT / ".venv")) / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(statement)


def fresh_database(env: dict, suffix: str) -> tuple[str, str] | None:
    """A new PostgreSQL database beside DATABASE_URL's (dropped at the end), or None."""
    url = env.get("DATABASE_URL")
    if not url:
        return None
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'erp'}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    _postgres(admin, f'DROP DATABASE IF EXISTS "{name}"')
    _postgres(admin, f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return admin, name


def manage(env: dict, *args: str, **kwargs) -> None:
    subprocess.run([BIN / "python", "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            sys.exit("The server stopped before answering.")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health/ready/", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit("The server did not answer within a minute.")


@contextmanager
def served(name: str, *setup: tuple[str, ...]):
    """Migrate a fresh database (a SQLite file in a temporary folder, or a new PostgreSQL
    database when DATABASE_URL is set), seed the demo data, run the `setup` commands
    (manage.py arguments), serve it with uvicorn; yields (base URL, environment), the
    server's process id in the environment's SERVER_PID."""
    var = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_VAR_DIR": str(var),
        "DJANGO_LOG_LEVEL": "ERROR",  # server errors only: the 4xx are expected
    }
    database = fresh_database(env, name)
    base = f"http://127.0.0.1:{free_port()}"
    server = None
    try:
        manage(env, "migrate", "--noinput", stdout=subprocess.DEVNULL)
        manage(env, "seed_demo", stdout=subprocess.DEVNULL)
        for command in setup:
            manage(env, *command)
        server = subprocess.Popen(
            [
                BIN / "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                base.rsplit(":", 1)[1],
                "--log-level",
                "warning",
                "--ws-per-message-deflate",
                "false",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(base, server)
        env["SERVER_PID"] = str(server.pid)
        yield base, env
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if database is not None:
            admin, database_name = database
            _postgres(admin, f'DROP DATABASE IF EXISTS "{database_name}"')
        shutil.rmtree(var, ignore_errors=True)
