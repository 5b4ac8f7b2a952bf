"""One Celery beat at a time (core.beat), on a real Redis: a second beat stands by while
the first holds the lock, takes over once it is released or expires, and a beat that
loses its lock stops."""

import os
import threading
import time
import uuid

import pytest
from django.conf import settings

from core.beat import BeatLock

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="The beat lock lives in Redis (REDIS_URL)."
)

TTL = 1.2  # seconds: renewed every 0.4 s
# Where the holder must keep its lock however loaded the machine: renewed every second.
HELD_TTL = 3.0


@pytest.fixture
def key():
    return f"test-beat-lock-{uuid.uuid4().hex}"


@pytest.fixture
def losses():
    """The locks that reported themselves lost, where a beat would stop its process:
    a test process must not (on a loaded machine a renewal can come late)."""
    return []


def lock_of(key, losses=None, ttl=TTL, **kwargs) -> BeatLock:
    if losses is not None:
        kwargs.setdefault("on_lost", lambda: losses.append(key))
    # This test process's own Redis database (config.settings.test: REDIS_URL's, shifted
    # by the pytest-xdist worker's number): REDIS_URL's own is another worker's cache,
    # emptied before each of its tests, which would take the lock from under these.
    return BeatLock(settings.CACHES["default"]["LOCATION"], ttl, key=key, **kwargs)


def test_a_second_beat_stands_by_until_the_first_stops(key, losses):
    first, second = lock_of(key, losses, ttl=HELD_TTL), lock_of(key, losses, ttl=HELD_TTL)
    assert first.acquire(wait=False)
    assert not second.acquire(wait=False)

    taken = threading.Event()
    standby = threading.Thread(target=lambda: second.acquire() and taken.set())
    standby.start()
    # Renewed past two lifetimes of the lock: the standby keeps waiting.
    assert not taken.wait(HELD_TTL * 2)
    first.release()
    assert taken.wait(HELD_TTL * 2)
    standby.join()
    second.release()
    assert losses == []


def test_a_dead_beat_s_lock_expires_and_another_takes_over(key, losses):
    first = lock_of(key, losses)
    assert first.acquire(wait=False)
    first.stopped.set()  # its renewing thread ends, as if the process had died
    first.renewer.join()
    second = lock_of(key, losses)
    taken = threading.Event()
    thread = threading.Thread(target=lambda: second.acquire() and taken.set())
    thread.start()
    assert taken.wait(TTL * 3)
    thread.join()
    second.release()
    assert losses == []


def test_a_beat_that_loses_its_lock_stops(key):
    lost = threading.Event()
    first = lock_of(key, on_lost=lost.set)
    assert first.acquire(wait=False)
    first.client.delete(key)
    first.client.set(key, "someone else")  # taken over while this one was unreachable
    assert lost.wait(TTL * 10)  # noticed at a renewal (every TTL / 3; later on a loaded machine)
    first.release()
    assert first.client.get(key) == b"someone else"
    first.client.delete(key)


def test_a_lock_that_vanished_is_taken_again(key):
    lost = threading.Event()
    first = lock_of(key, on_lost=lost.set)
    assert first.acquire(wait=False)
    first.client.delete(key)  # Redis flushed under it
    # Taken again at its next renewal (every TTL / 3; later on a loaded machine).
    deadline = time.monotonic() + TTL * 10
    while first.client.get(key) is None and time.monotonic() < deadline:
        time.sleep(TTL / 10)
    assert first.client.get(key) == first.token.encode()
    assert not lost.is_set()
    first.release()
