"""`@username` mentions in what people write (comments, chat messages): who is named,
and which of them may be told."""

import re

from django.contrib.auth import get_user_model

from rbac.access import users_who_may

# @username: what Django's username validator allows, not preceded by a word character
# (an email address is not a mention).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")


def mentioned_names(text: str) -> set[str]:
    return {name.rstrip(".") for name in MENTION.findall(text or "")} - {""}


def resolve_mentions(text: str, target) -> set[int]:
    """The ids of the active users `text` names who may view `target` (the others,
    and names that match no one, are left out alike: a mention reveals nothing)."""
    names = mentioned_names(text)
    if not names:
        return set()
    User = get_user_model()
    field = User.USERNAME_FIELD
    ids = set(
        User.objects.filter(**{f"{field}__in": names}, is_active=True).values_list("pk", flat=True)
    )
    return users_who_may(ids, target) if ids else set()
