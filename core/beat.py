"""One Celery beat at a time.

Periodic tasks must be sent once per tick: two schedulers would send each twice. Workers
never run a scheduler in production (no `worker --beat`), and the compose file runs one
`beat` service; this lock makes a second one harmless anyway. A beat process holds a
lock in Redis while it runs, renewing it every third of its time to live; another beat
started meanwhile stands by until the lock is free (its holder stopped, or died and let
it expire), then takes over. A beat that fails to renew its lock (Redis unreachable
longer than the lock lives, or the lock taken over) stops at once rather than risk
sending what the other sends; one whose lock vanished with no other beat holding it
(Redis flushed, or restarted empty) takes it again.

Only with Redis (REDIS_URL): the embedded default runs beat inside its one worker.
"""

import atexit
import contextlib
import logging
import os
import socket
import threading
import time
import uuid

import redis
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)

KEY = "celery-beat:lock"


class BeatLock:
    """The lock of `url`'s Redis, held for `ttl` seconds at a time."""

    def __init__(self, url: str, ttl: float, *, key: str = KEY, on_lost=None):
        self.client = redis.Redis.from_url(url, socket_timeout=ttl / 3)
        self.ttl = ttl
        # Shared with the renewing thread (thread_local=False); says who holds it.
        self.lock = self.client.lock(key, timeout=ttl, thread_local=False)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.on_lost = on_lost or _stop_process
        self.stopped = threading.Event()
        self.renewer = None

    def acquire(self, *, wait: bool = True) -> bool:
        """Take the lock, waiting for it (standing by) unless `wait` is False; then keep
        it renewed until `release`. Whether it is held."""
        announced = False
        while not self.stopped.is_set():
            try:
                if self.lock.acquire(blocking=False, token=self.token):
                    break
            except RedisError:
                logger.warning("Beat lock: Redis unreachable, trying again", exc_info=True)
            if not wait:
                return False
            if not announced:
                logger.warning("Another beat is running: standing by until it stops.")
                announced = True
            self.stopped.wait(self.ttl / 3)
        else:
            return False
        logger.info("Beat lock taken: this process sends the periodic tasks.")
        self.renewer = threading.Thread(target=self._renew, name="beat-lock", daemon=True)
        self.renewer.start()
        return True

    def _renew(self) -> None:
        while not self.stopped.wait(self.ttl / 3):
            try:
                self.lock.extend(self.ttl, replace_ttl=True)
                continue
            except (LockError, RedisError):
                pass
            # Gone without another beat taking it (Redis flushed or restarted empty):
            # taken again. Taken by another, or Redis unreachable: this beat stops.
            try:
                if self.lock.acquire(blocking=False, token=self.token):
                    logger.warning("Beat lock had vanished from Redis: taken again.")
                    continue
            except RedisError:
                pass
            logger.critical("Beat lock lost: stopping this beat.")
            self.on_lost()
            return

    def release(self) -> None:
        self.stopped.set()
        if self.renewer is not None:
            self.renewer.join(self.ttl)
        with contextlib.suppress(LockError, RedisError):  # expired, or not ours any more
            self.lock.release()
        self.client.close()


def _stop_process() -> None:  # pragma: no cover - ends the process
    logging.shutdown()
    os._exit(1)


def on_beat_init(sender=None, **kwargs) -> None:
    """celery.signals.beat_init: the scheduler starts ticking once this returns."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    started = time.monotonic()
    lock = BeatLock(settings.REDIS_URL, settings.BEAT_LOCK_TTL)
    lock.acquire()
    logger.info("Beat starts after %.1f s standing by.", time.monotonic() - started)
    atexit.register(lock.release)  # a stopped beat frees its place at once
