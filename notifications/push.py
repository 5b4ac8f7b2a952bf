"""Live delivery: each new notification, and the unread count, pushed to every open
`/ws/notifications/` connection of its recipient once the transaction that wrote it
commits (notifications.consumers).

Only recipients with a connection open are pushed to (core.presence): a fan-out to
1,000 people of whom ten are connected serializes and sends ten messages.

The database stays the source of truth: a push that cannot be made (no channel layer
server, a full channel) is logged and dropped, and a client that reconnects catches up
over REST (`?after=<id>`)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Count

from core.presence import present

from .models import Notification

logger = logging.getLogger(__name__)

# The type of the channel layer events: the consumer's method that handles them.
EVENT = "push"  # NotificationConsumer.push
FEED = "notifications"  # the consumer's presence feed


def group_name(user_id) -> str:
    """The channel layer group of a user's open connections."""
    return f"notifications.user.{user_id}"


def unread(count: int, limit: int | None = None) -> dict:
    """How an unread count is shown: counted up to NOTIFICATION_UNREAD_COUNT_LIMIT
    (`unread_count_is_exact` false past it, a "1000+" to show)."""
    if limit is None:
        limit = settings.NOTIFICATION_UNREAD_COUNT_LIMIT
    return {"unread_count": min(count, limit), "unread_count_is_exact": count <= limit}


def unread_count_of(queryset) -> dict:
    """unread() of these unread notifications, reading no more than the limit and one
    index entries (the partial index of unread rows): the same time for 10 or 100,000."""
    limit = settings.NOTIFICATION_UNREAD_COUNT_LIMIT
    return unread(queryset.order_by().values("pk")[: limit + 1].count())


def unread_counts(user_ids) -> dict[int, dict]:
    """{user id: unread()} of several users in one query."""
    counts = dict.fromkeys(user_ids, 0)
    rows = (
        Notification.objects.filter(recipient_id__in=list(counts), read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("id"))
        .values_list("recipient_id", "unread")
    )
    counts.update(rows)
    limit = settings.NOTIFICATION_UNREAD_COUNT_LIMIT
    return {pk: unread(count, limit) for pk, count in counts.items()}


def _send(messages: list[tuple[int, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        for user_id, message in messages:
            await layer.group_send(group_name(user_id), {"type": EVENT, "message": message})

    try:
        async_to_sync(send_all)()
    except Exception:  # the socket is a hint: never fail the sender
        logger.warning("Could not push %d notification messages", len(messages), exc_info=True)


def push_notifications(recipients: dict) -> None:
    """Push these notifications ({id: recipient id}) to those of their recipients who
    are connected, each with the recipient's unread count. Their records were checked as
    viewable when they were written."""
    from .serializers import NotificationSerializer

    online = present(FEED, set(recipients.values()))
    ids = [pk for pk, recipient in recipients.items() if recipient in online]
    if not ids:
        return
    rows = list(Notification.objects.filter(pk__in=ids).select_related("organization", "actor"))
    if not rows:
        return
    counts = unread_counts({row.recipient_id for row in rows})
    context = {
        "visible_targets": {
            (row.target_content_type_id, row.target_object_id)
            for row in rows
            if row.target_content_type_id is not None
        }
    }
    # One serializer for all of them: its fields are built once, not per row.
    shown = NotificationSerializer(rows, many=True, context=context).data
    _send(
        [
            (
                row.recipient_id,
                {
                    "type": "notification",
                    "notification": data,
                    **counts[row.recipient_id],
                },
            )
            for row, data in zip(rows, shown, strict=True)
        ]
    )


def push_message(user_id, message: dict) -> None:
    """Tell the user's open connections something else that happened to them (a data
    job's progress): `message` as it is, with its own "type"."""
    if user_id is not None and present(FEED, [user_id]):
        _send([(user_id, message)])


def push_unread_count(user_id) -> None:
    """Tell the user's open connections their unread count (after reading some)."""
    if not present(FEED, [user_id]):
        return
    count = unread_count_of(Notification.objects.filter(recipient_id=user_id, read_at__isnull=True))
    _send([(user_id, {"type": "unread_count", **count})])
