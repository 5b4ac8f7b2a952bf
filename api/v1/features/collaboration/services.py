"""What is done to comments: written, edited, deleted, hidden and restored, with their
mentions resolved. Views validate and check permissions, then call these."""

from django.db import transaction
from django.utils import timezone

from notifications.mentions import resolve_mentions

from .choices import CommentStatus
from .models import Comment


@transaction.atomic
def create_comment(*, target, organization, content, parent=None, attachments=()):
    comment = Comment.objects.create(
        organization=organization,
        content_type_id=_content_type_id(target),
        object_id=str(target.pk),
        parent=parent,
        content=content,
    )
    if attachments:
        comment.attachments.set(attachments)
    comment.mentions.set(resolve_mentions(content, target))
    return comment


def _content_type_id(target) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(target).pk


@transaction.atomic
def edit_comment(comment, *, content=None, attachments=None):
    if content is not None and content != comment.content:
        comment.content = content
        comment.is_edited = True
        comment.edited_at = timezone.now()
        comment.save(update_fields=["content", "is_edited", "edited_at"])
        comment.mentions.set(resolve_mentions(content, comment.target))
    if attachments is not None:
        comment.attachments.set(attachments)
    return comment


@transaction.atomic
def delete_comment(comment):
    """The author's deletion: the text, attachments and mentions go, the place in the
    thread stays (its replies keep their parent)."""
    comment.content = ""
    comment.status = CommentStatus.DELETED
    comment.save(update_fields=["content", "status"])
    comment.attachments.clear()
    comment.mentions.clear()
    return comment


@transaction.atomic
def hide_comment(comment, moderator):
    comment.status = CommentStatus.HIDDEN
    comment.hidden_by = moderator
    comment.hidden_at = timezone.now()
    comment.save(update_fields=["status", "hidden_by", "hidden_at"])
    return comment


@transaction.atomic
def restore_comment(comment):
    comment.status = CommentStatus.VISIBLE
    comment.hidden_by = None
    comment.hidden_at = None
    comment.save(update_fields=["status", "hidden_by", "hidden_at"])
    return comment


def remove_comments_of(event) -> None:
    """A business record was deleted (core.events): its comments go with it."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    model = apps.get_model(event.model)
    Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=event.pk
    ).delete()
