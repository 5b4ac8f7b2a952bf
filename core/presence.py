"""Who is connected: the users with an open WebSocket connection of a kind (a "feed":
notifications, chat), kept in the cache.

With REDIS_URL the cache is Redis, so every web process sees every connection; in the
embedded default it is the process's memory, as the in-memory channel layer is.

A user's presence on a feed is one counter: the number of their open connections
(several tabs are one presence), which opening a connection adds to and closing it
takes from, by the cache's atomic increments (Redis INCRBY), so that a page reloaded
(one connection closing while the next opens) never leaves it wrong. The counter lasts
PRESENCE_TTL seconds, and every open connection renews it every PRESENCE_REFRESH
seconds (the server does: a client that never pings stays present), so the users of a
process that dies are gone within PRESENCE_TTL once no live connection of theirs
renews it. A user is present while their counter is above zero: "present" may include
a user whose connections a dead process held, for as long as another connection of
theirs stays open; it never misses one who is connected.

Senders use it to skip the work of pushing to people who would receive nothing:

    online = present("notifications", recipient_ids)

    class MyConsumer(PresenceMixin, AuthenticatedJsonConsumer):
        presence_feed = "notifications"

Consumers hear of a user's first connection opening and their last closing
(`presence_changed`), to tell others.
"""

import asyncio
import logging
from functools import cache as once

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches

logger = logging.getLogger(__name__)


@once
def _store():
    """The default cache, one client for the whole process. `django.core.cache.cache`
    is one per request or task context: each WebSocket connection would open its own
    connections to Redis."""
    return caches.create_connection(DEFAULT_CACHE_ALIAS)


def _key(feed: str, user_id) -> str:
    return f"presence:{feed}:{user_id}"


def _opened(key: str) -> int:
    """Count one more connection; returns the count."""
    store = _store()
    store.add(key, 0, timeout=settings.PRESENCE_TTL)
    try:
        return store.incr(key)
    except ValueError:  # expired between the two: this connection is the one counted
        store.set(key, 1, timeout=settings.PRESENCE_TTL)
        return 1


def _closed(key: str) -> int:
    """Count one connection fewer; returns the count (0 at least)."""
    try:
        left = _store().decr(key)
    except ValueError:  # expired: nothing counts this connection any more
        return 0
    if left < 0:  # counted before an expiry, not since: add back what was overdrawn
        _store().incr(key, -left)
    return max(left, 0)


def _renew(key: str) -> None:
    """Keep the count alive; after an expiry (a process stalled past PRESENCE_TTL),
    count this connection again."""
    if not _store().touch(key, timeout=settings.PRESENCE_TTL):
        _opened(key)


def mark_present(feed: str, user_id) -> None:
    """Count a connection of `user_id` on `feed` (as a consumer does on connecting)."""
    _opened(_key(feed, user_id))


def present(feed: str, user_ids) -> set:
    """The ids among `user_ids` with a connection of `feed` open (one cache read)."""
    ids = list(user_ids)
    found = _store().get_many([_key(feed, user_id) for user_id in ids])
    return {user_id for user_id in ids if found.get(_key(feed, user_id), 0) > 0}


class PresenceMixin:
    """For consumers: counts the connected user present on `presence_feed` while the
    connection is open (call `start_presence()` once the user is accepted), and calls
    `presence_changed(True)` when it is the user's first open connection,
    `presence_changed(False)` when it was their last."""

    presence_feed: str = ""
    _presence_task = None

    async def start_presence(self) -> None:
        self._presence_key = _key(self.presence_feed, self.scope["user"].pk)
        opened = await asyncio.to_thread(_opened, self._presence_key)
        self._presence_task = asyncio.create_task(self._refresh_presence())
        if opened == 1:
            await self.presence_changed(True)

    async def presence_changed(self, online: bool) -> None:
        """The user's first connection opened (True), or their last closed (False)."""

    async def _refresh_presence(self) -> None:
        while True:
            await asyncio.sleep(settings.PRESENCE_REFRESH)
            try:
                await asyncio.to_thread(_renew, self._presence_key)
            except Exception:  # a cache hiccup: tried again at the next refresh
                logger.warning("Could not renew the presence %s", self._presence_key, exc_info=True)

    async def disconnect(self, code):
        if self._presence_task is not None:
            self._presence_task.cancel()
            try:
                if await asyncio.to_thread(_closed, self._presence_key) == 0:
                    await self.presence_changed(False)
            except Exception:  # the count expires by itself
                logger.warning("Could not end the presence %s", self._presence_key, exc_info=True)
        await super().disconnect(code)
