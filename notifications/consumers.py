"""`ws/notifications/`: the live feed of the connected user's notifications.

On connecting, the user gets their unread count; then every new notification as it is
committed (`{"type": "notification", "notification": {...}, "unread_count": N,
"unread_count_is_exact": true}`), and the unread count whenever reading changes it
(`{"type": "unread_count", "unread_count": N, "unread_count_is_exact": true}`), on every
connection they have open (counted up to NOTIFICATION_UNREAD_COUNT_LIMIT). `{"type": "ping"}` is
answered with `{"type": "pong"}`. Nothing else is accepted: notifications are read
and changed over REST, which also catches a client up after a gap (`?after=<id>`).
"""

from channels.db import database_sync_to_async

from core.consumers import AuthenticatedJsonConsumer
from core.presence import PresenceMixin

from .models import Notification
from .push import FEED, group_name, unread_count_of


class NotificationConsumer(PresenceMixin, AuthenticatedJsonConsumer):
    presence_feed = FEED
    group = None

    async def connect(self):
        await super().connect()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return
        # Present first: a notification committed in between is then pushed, not lost.
        await self.start_presence()
        self.group = group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
        count = await database_sync_to_async(unread_count_of)(unread)
        await self.send_json({"type": "unread_count", **count})

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await super().disconnect(code)

    async def push(self, event):
        """A channel layer event of notifications.push: forwarded as it is."""
        await self.send_json(event["message"])

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "detail": "Unknown message type."})
