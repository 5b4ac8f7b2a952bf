"""Notifications about comments, made from the model change events (core.events) once
a comment is committed: the users a comment newly mentions get `comment_mention`; the
others taking part in the thread (its first comment's author and those who replied), or
for a new top-level comment those who commented on the record before, get
`comment_reply`. send_notification keeps only those who may view the record, leaves
out the author and applies everyone's preferences."""

import logging

from django.db.models import Q

from core import events
from notifications.mentions import resolve_mentions
from notifications.services import send_notification

from .choices import CommentStatus
from .models import Comment

logger = logging.getLogger(__name__)

MENTION, REPLY = "comment_mention", "comment_reply"


def on_comment_event(event: events.ModelEvent) -> None:
    if event.model != "collaboration.comment" or event.action not in (
        events.CREATE,
        events.UPDATE,
    ):
        return
    comment = (
        Comment.objects.filter(pk=event.pk, status=CommentStatus.VISIBLE)
        .select_related("created_by", "content_type")
        .first()
    )
    if comment is None:
        return
    target = comment.target
    if target is None:  # the record is gone
        return
    before = (event.before or {}).get("content") or ""
    mentioned = resolve_mentions(comment.content, target)
    if event.action == events.UPDATE:
        # An edit notifies only the users it newly mentions.
        mentioned -= resolve_mentions(before, target)
        _notify(comment, target, mentioned, MENTION)
        return
    _notify(comment, target, mentioned, MENTION)
    _notify(comment, target, _participants(comment) - mentioned, REPLY)


def _participants(comment) -> set[int]:
    if comment.parent_id is not None:
        thread = Q(pk=comment.parent_id) | Q(parent_id=comment.parent_id)
    else:
        thread = Q()
    others = Comment.objects.filter(
        thread,
        content_type_id=comment.content_type_id,
        object_id=comment.object_id,
        created_by__isnull=False,
    ).exclude(pk=comment.pk)
    return set(others.values_list("created_by_id", flat=True).distinct())


def _notify(comment, target, recipients: set[int], type_code: str) -> None:
    if not recipients:
        return
    author = comment.created_by
    name = (author.get_full_name() or author.get_username()) if author else "Someone"
    title = (
        f"{name} mentioned you in a comment"
        if type_code == MENTION
        else f"{name} commented on {target}"
    )
    send_notification(
        recipients,
        type_code,
        title[:255],
        comment.content[:500],
        target=target,
        organization=comment.organization_id,
        actor=author,
        action_url=f"/api/v1/comments/{comment.pk}/",
        action_text="View the comment",
    )
