"""Who is connected: the users with an open WebSocket connection of a kind (a "feed":
notifications, later chat), kept in the cache.

With REDIS_URL the cache is Redis, so every web process sees every connection; in the
embedded default it is the process's memory, as the in-memory channel layer is.

An open connection marks its user present when it opens and again every
PRESENCE_REFRESH seconds while it stays open (the server refreshes it: a client that
never pings stays present); a mark lasts PRESENCE_TTL seconds, so the users of a
process that dies are gone within that time. The user's open connections are counted
(several tabs are one presence): closing the last one removes the mark at once, and
consumers hear of the first opening and the last closing (`presence_changed`), to tell
others. A count left too high by a process that died expires with the mark, unless
another connection of the user keeps it alive: then the user's last closing is not
heard of, and the mark expires PRESENCE_TTL later. So "present" may include a user who
left less than PRESENCE_TTL ago, never misses one who is connected.

Senders use it to skip the work of pushing to people who would receive nothing:

    online = present("notifications", recipient_ids)

    class MyConsumer(PresenceMixin, AuthenticatedJsonConsumer):
        presence_feed = "notifications"
"""

import asyncio
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(feed: str, user_id) -> str:
    return f"presence:{feed}:{user_id}"


def _count_key(feed: str, user_id) -> str:
    return f"presence:{feed}:{user_id}:connections"


def mark_present(feed: str, user_id) -> None:
    cache.set(_key(feed, user_id), 1, timeout=settings.PRESENCE_TTL)


def present(feed: str, user_ids) -> set:
    """The ids among `user_ids` with a connection of `feed` open (one cache read)."""
    ids = list(user_ids)
    found = cache.get_many([_key(feed, user_id) for user_id in ids])
    return {user_id for user_id in ids if _key(feed, user_id) in found}


class PresenceMixin:
    """For consumers: marks the connected user present on `presence_feed` while the
    connection is open (call `start_presence()` once the user is accepted), and calls
    `presence_changed(True)` when it is the user's first open connection,
    `presence_changed(False)` when it was their last."""

    presence_feed: str = ""
    _presence_task = None

    async def start_presence(self) -> None:
        user_id = self.scope["user"].pk
        self._presence_user = user_id
        await self._mark(user_id)
        count_key = _count_key(self.presence_feed, user_id)
        await cache.aadd(count_key, 0, timeout=settings.PRESENCE_TTL)
        try:
            opened = await cache.aincr(count_key)
        except ValueError:  # expired between the two: this is the only connection
            await cache.aset(count_key, 1, timeout=settings.PRESENCE_TTL)
            opened = 1
        self._presence_task = asyncio.create_task(self._refresh_presence(user_id))
        if opened == 1:
            await self.presence_changed(True)

    async def presence_changed(self, online: bool) -> None:
        """The user's first connection opened (True), or their last closed (False)."""

    async def _mark(self, user_id) -> None:
        await cache.aset(_key(self.presence_feed, user_id), 1, timeout=settings.PRESENCE_TTL)

    async def _refresh_presence(self, user_id) -> None:
        while True:
            await asyncio.sleep(settings.PRESENCE_REFRESH)
            try:
                await self._mark(user_id)
                await cache.atouch(
                    _count_key(self.presence_feed, user_id), timeout=settings.PRESENCE_TTL
                )
            except Exception:  # a cache hiccup: tried again at the next refresh
                logger.warning("Could not refresh the presence of user %s", user_id, exc_info=True)

    async def _stop_presence(self) -> None:
        self._presence_task.cancel()
        user_id = self._presence_user
        count_key = _count_key(self.presence_feed, user_id)
        try:
            left = await cache.adecr(count_key)
        except ValueError:  # expired: nothing counts this connection any more
            left = 0
        if left <= 0:
            await cache.adelete_many([count_key, _key(self.presence_feed, user_id)])
            await self.presence_changed(False)

    async def disconnect(self, code):
        if self._presence_task is not None:
            try:
                await self._stop_presence()
            except Exception:  # the marks expire by themselves
                logger.warning("Could not end a presence", exc_info=True)
        await super().disconnect(code)
