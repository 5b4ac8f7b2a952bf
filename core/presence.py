"""Who is connected: the users with an open WebSocket connection of a kind (a "feed":
notifications, later chat), kept in the cache.

With REDIS_URL the cache is Redis, so every web process sees every connection; in the
embedded default it is the process's memory, as the in-memory channel layer is.

An open connection marks its user present when it opens and again every
PRESENCE_REFRESH seconds while it stays open (the server refreshes it: a client that
never pings stays present); a mark lasts PRESENCE_TTL seconds, so the users of a
process that dies are gone within that time. Closing a connection leaves the mark to
expire (another tab of the same user may still be open): "present" may include a user
who left less than PRESENCE_TTL ago, never miss one who is connected.

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


def mark_present(feed: str, user_id) -> None:
    cache.set(_key(feed, user_id), 1, timeout=settings.PRESENCE_TTL)


def present(feed: str, user_ids) -> set:
    """The ids among `user_ids` with a connection of `feed` open (one cache read)."""
    ids = list(user_ids)
    found = cache.get_many([_key(feed, user_id) for user_id in ids])
    return {user_id for user_id in ids if _key(feed, user_id) in found}


class PresenceMixin:
    """For consumers: marks the connected user present on `presence_feed` while the
    connection is open (call `start_presence()` once the user is accepted)."""

    presence_feed: str = ""
    _presence_task = None

    async def start_presence(self) -> None:
        user_id = self.scope["user"].pk
        await self._mark(user_id)
        self._presence_task = asyncio.create_task(self._refresh_presence(user_id))

    async def _mark(self, user_id) -> None:
        key = _key(self.presence_feed, user_id)
        await cache.aset(key, 1, timeout=settings.PRESENCE_TTL)

    async def _refresh_presence(self, user_id) -> None:
        while True:
            await asyncio.sleep(settings.PRESENCE_REFRESH)
            try:
                await self._mark(user_id)
            except Exception:  # a cache hiccup: tried again at the next refresh
                logger.warning("Could not refresh the presence of user %s", user_id, exc_info=True)

    async def disconnect(self, code):
        if self._presence_task is not None:
            self._presence_task.cancel()
        await super().disconnect(code)
