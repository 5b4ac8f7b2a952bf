"""Who wants which notification on which channel.

A user's choices live in their profile's `notification_preferences` (validated by
api.v1.base_models.user.validators): a switch per channel for every type
(`{"email": false}`) and, overriding it, switches per type (`{"comment_mention":
{"email": true}}`). Until a user says otherwise: every type in the app; by email the
types addressed to them personally (DEFAULT_EMAIL_TYPES).
"""

from dataclasses import dataclass

from django.apps import apps

from .choices import EmailDigest

IN_APP = "in_app"
EMAIL = "email"
CHANNELS = (IN_APP, EMAIL)
EMAIL_DIGEST = "email_digest"

# Types sent by email unless the user turns them off: what is addressed to them
# personally (a mention, an invitation, something assigned to them).
DEFAULT_EMAIL_TYPES = frozenset(
    {
        "comment_mention",
        "chat_mention",
        "meeting_invitation",
        "assigned",
        "direct_message",
        "invitation",
    }
)


def default(type_code: str, channel: str) -> bool:
    if channel == IN_APP:
        return True
    return type_code in DEFAULT_EMAIL_TYPES


def wants(preferences, type_code: str, channel: str) -> bool:
    """Whether preferences (a profile's `notification_preferences`) let `type_code`
    through on `channel`."""
    preferences = preferences if isinstance(preferences, dict) else {}
    per_type = preferences.get(type_code)
    if isinstance(per_type, dict) and isinstance(per_type.get(channel), bool):
        return per_type[channel]
    if isinstance(preferences.get(channel), bool):
        return preferences[channel]
    return default(type_code, channel)


@dataclass(frozen=True)
class Chosen:
    choices: dict  # the profile's notification_preferences
    email: str  # the user's address ("" when they have none)


def of_users(user_ids) -> dict[int, Chosen]:
    """{user id: their preferences and email address} of these users (one query)."""
    UserProfile = apps.get_model("users", "UserProfile")
    ids = set(user_ids)
    found = {
        pk: Chosen(choices or {}, email or "")
        for pk, choices, email in UserProfile.objects.filter(user_id__in=ids).values_list(
            "user_id", "notification_preferences", "user__email"
        )
    }
    return {pk: found.get(pk, Chosen({}, "")) for pk in ids}


def digest(preferences) -> str:
    """How the user's emails are sent (EmailDigest): immediately unless they chose a
    digest."""
    preferences = preferences if isinstance(preferences, dict) else {}
    chosen = preferences.get(EMAIL_DIGEST)
    return chosen if chosen in EmailDigest.values else EmailDigest.IMMEDIATE


def split(preferences) -> dict:
    """The stored preferences as the API shows them: the switches for every type, those
    per type, and the digest."""
    preferences = preferences if isinstance(preferences, dict) else {}
    return {
        IN_APP: preferences.get(IN_APP),
        EMAIL: preferences.get(EMAIL),
        "types": {
            key: value
            for key, value in preferences.items()
            if key not in (*CHANNELS, EMAIL_DIGEST) and isinstance(value, dict)
        },
        EMAIL_DIGEST: digest(preferences),
    }


def join(data: dict) -> dict:
    """split()'s shape back to what the profile stores (switches not set left out)."""
    stored = {}
    for channel in CHANNELS:
        if data.get(channel) is not None:
            stored[channel] = data[channel]
    for type_code, switches in (data.get("types") or {}).items():
        stored[type_code] = dict(switches)
    if data.get(EMAIL_DIGEST, EmailDigest.IMMEDIATE) != EmailDigest.IMMEDIATE:
        stored[EMAIL_DIGEST] = data[EMAIL_DIGEST]
    return stored
