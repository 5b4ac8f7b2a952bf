"""`send_notification`: the one way to notify users.

It writes the rows in the caller's transaction (a rolled-back change notifies no one),
notifies only the users who may view the record it is about at that moment and who
have not turned the type off in the app (notifications.preferences), leaves out the
actor unless asked, and collapses a burst: an unread notification of the same
type about the same record, younger than NOTIFICATION_COLLAPSE_WINDOW, is updated (its
count grows) rather than repeated. Recipients are handled in bulk: a constant number
of queries for one recipient or a thousand. Once the transaction commits, each row is
pushed to its recipient's open WebSocket connections (notifications.push), and the
emails of those who want this type by email are queued (notifications.tasks), or left
for their digest; unless the caller sends its own email (`email=False`: a meeting
invitation, whose email carries a calendar file).
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import bulk
from core import metrics
from core.registry import organization_id_of
from rbac.access import users_who_may

from . import preferences
from .choices import EmailDigest, EmailStatus, NotificationLevel
from .models import Notification
from .push import push_notifications

logger = logging.getLogger(__name__)

# What a repeat within the collapse window rewrites (besides the count).
COLLAPSED_FIELDS = [
    "organization",
    "actor",
    "level",
    "title",
    "message",
    "action_url",
    "action_text",
]


def _user_ids(recipients) -> set[int]:
    if recipients is None:
        return set()
    if isinstance(recipients, get_user_model() | int):
        recipients = [recipients]
    return {getattr(each, "pk", each) for each in recipients}


def send_notification(
    recipients,
    type_code: str,
    title: str,
    message: str = "",
    *,
    level: str = NotificationLevel.INFO,
    target=None,
    organization=None,
    actor=None,
    action_url: str = "",
    action_text: str = "",
    notify_actor: bool = False,
    email: bool = True,
) -> list[Notification]:
    """Notify `recipients` (users or ids) of `type_code`; returns the rows written or
    updated (see the module's docstring)."""
    ids = _user_ids(recipients)
    if actor is not None and not notify_actor:
        ids.discard(actor.pk)
    if not ids:
        return []
    if target is not None:
        ids = users_who_may(ids, target)
        if organization is None:
            organization = organization_id_of(target)
    else:
        ids = set(
            get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
        )
    chosen = preferences.of_users(ids)
    ids = {pk for pk in ids if preferences.wants(chosen[pk].choices, type_code, preferences.IN_APP)}
    if not ids:
        return []
    # By email: those who want this type by email and have an address; now, or in
    # their digest.
    emailed = {
        pk
        for pk in ids
        if email
        and chosen[pk].email
        and preferences.wants(chosen[pk].choices, type_code, preferences.EMAIL)
    }
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    target_id = str(target.pk) if target is not None else ""
    fields = {
        "organization_id": getattr(organization, "pk", organization),
        "actor": actor,
        "type_code": type_code,
        "level": level,
        "title": title[:255],
        "message": message,
        "action_url": action_url,
        "action_text": action_text,
    }
    with transaction.atomic():
        collapsed = []
        if target is not None:
            since = timezone.now() - settings.NOTIFICATION_COLLAPSE_WINDOW
            collapsed = list(
                Notification.objects.select_for_update().filter(
                    recipient_id__in=ids,
                    type_code=type_code,
                    target_content_type=content_type,
                    target_object_id=target_id,
                    read_at__isnull=True,
                    created_at__gte=since,
                )
            )
            for row in collapsed:
                for name, value in fields.items():
                    setattr(row, name, value)
                row.count += 1
            if collapsed:
                bulk.bulk_update(collapsed, [*COLLAPSED_FIELDS, "count"])
        done = {row.recipient_id for row in collapsed}
        created = bulk.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    target_content_type=content_type,
                    target_object_id=target_id,
                    email_status=EmailStatus.UNSENT if pk in emailed else EmailStatus.SKIPPED,
                    **fields,
                )
                for pk in sorted(ids - done)
            ]
        )
        rows = [*collapsed, *created]
        transaction.on_commit(partial(metrics.NOTIFICATIONS_SENT.labels("in_app").inc, len(rows)))
        transaction.on_commit(
            partial(push_notifications, {row.pk: row.recipient_id for row in rows})
        )
        # A repeat collapsed into a notification is not emailed again.
        now = [
            row.pk
            for row in created
            if row.recipient_id in emailed
            and preferences.digest(chosen[row.recipient_id].choices) == EmailDigest.IMMEDIATE
        ]
        if now:
            transaction.on_commit(partial(_queue_emails, now))
    return rows


def _queue_emails(ids) -> None:
    from .tasks import send_notification_emails

    send_notification_emails.delay(ids)


def purge(*, now=None, batch_size: int = 1000) -> dict:
    """Delete the notifications read more than NOTIFICATION_RETENTION_DAYS ago and the
    unread ones older than NOTIFICATION_UNREAD_RETENTION_DAYS, in batches. Housekeeping,
    not a change anyone made: no audit row per notification (a log line says what went)."""
    now = now or timezone.now()
    read_before = now - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    unread_before = now - timedelta(days=settings.NOTIFICATION_UNREAD_RETENTION_DAYS)
    expired = Notification.objects.filter(
        Q(read_at__lt=read_before) | Q(read_at__isnull=True, created_at__lt=unread_before)
    )
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not batch:
                break
            removed += Notification.objects.filter(pk__in=batch)._raw_delete(
                Notification.objects.db
            )
    result = {
        "removed": removed,
        "read_before": read_before.isoformat(),
        "unread_before": unread_before.isoformat(),
    }
    logger.info(
        "Notification purge: %(removed)s removed (read before %(read_before)s, unread "
        "before %(unread_before)s)",
        result,
    )
    return result
