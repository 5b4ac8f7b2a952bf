"""Comments in the search (core.searching): found by whoever may view the record they are
about (Comment.restrict_visible); a hidden or deleted comment is not found."""

from django.db.models import Q

from core.searching import declare

from .choices import CommentStatus
from .models import Comment

declare(
    Comment,
    fields={"content": "A"},
    title=str,
    route="api-v1:comment-detail",
    status="status",
    where=Q(status=CommentStatus.VISIBLE),
)
