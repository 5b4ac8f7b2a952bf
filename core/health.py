"""Whether this process can serve: the checks behind /api/v1/health/ready/.

A check is a function that returns when its dependency answers and raises when it does
not. Core checks what every process uses (the database and its migrations, the cache,
Redis, the file storage); an app adds its own in its AppConfig.ready, as the search does
for its engine:

    health.register("search", lambda: get_backend().ping())

`run()` answers {name: "ok" | "unavailable"}; why one is unavailable goes to the log
only, never to the (unauthenticated) response.
"""

import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
OUTCOMES = [OK, UNAVAILABLE]  # one enum of the schema (HealthOutcomeEnum)
# Seconds a check of Redis waits: a load balancer's probe must get an answer in time.
REDIS_TIMEOUT = 2.0

_checks: dict[str, Callable[[], None]] = {}


class NotReady(Exception):
    """A dependency answers, but not as this process needs (a migration not applied)."""


def register(name: str, check: Callable[[], None]) -> None:
    """Add (or replace) the readiness check called `name`."""
    _checks[name] = check


def names() -> list[str]:
    return list(_checks)


def run() -> dict[str, str]:
    """Every check's outcome, in the order they were registered."""
    outcomes = {}
    for name, check in _checks.items():
        try:
            check()
        except Exception as error:  # a probe every few seconds: one line, no traceback
            logger.warning("Not ready: %s unavailable (%s: %s)", name, type(error).__name__, error)
            outcomes[name] = UNAVAILABLE
        else:
            outcomes[name] = OK
    return outcomes


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise NotReady("SELECT 1 did not answer 1.")


_migrated = False


def check_migrations() -> None:
    """Every migration this code has is applied. Once they are, they stay so for the
    life of the process (a newer release's migrations are that release's concern)."""
    global _migrated
    if _migrated:
        return
    loader = MigrationLoader(connection)
    missing = sorted(set(loader.graph.nodes) - set(loader.applied_migrations))
    if missing:
        raise NotReady(f"{len(missing)} migrations not applied: {missing[:5]}.")
    _migrated = True


def check_cache() -> None:
    key = f"health-check-{os.getpid()}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise NotReady("The cache did not keep what was written.")


def check_redis() -> None:
    """Redis itself (REDIS_URL): the channel layer, the broker and the throttles live
    there too, whatever the cache is."""
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def check_storage() -> None:
    """The uploads' storage: its bucket answers (object storage), or its folder can be
    written (the local filesystem)."""
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        bucket.meta.client.head_bucket(Bucket=bucket.name)
        return
    location = Path(default_storage.location)
    while not location.exists():  # created on the first upload: its parent must allow it
        location = location.parent
    if not location.is_dir() or not os.access(location, os.W_OK | os.X_OK):
        raise NotReady(f"{location} cannot be written.")


def register_core_checks() -> None:
    register("database", check_database)
    register("migrations", check_migrations)
    register("cache", check_cache)
    if settings.REDIS_URL:
        register("redis", check_redis)
    register("storage", check_storage)
