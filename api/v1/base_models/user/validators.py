"""Validators of profile preferences, usable by models and serializers alike."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from notifications.choices import EmailDigest

from .choices import NotificationChannel

# The key of the preferences that says how emails are sent (EmailDigest).
EMAIL_DIGEST = "email_digest"


def validate_notification_preferences(value) -> None:
    """Preferences are a JSON object whose entries are either

    - a channel switch for every notification type: ``"email": false``, or
    - per notification type, a switch per channel: ``"comment_mention": {"email": true}``,
    - ``"email_digest"``: how emails are sent, one of EmailDigest.

    Channels are those of NotificationChannel; switches are booleans.
    """
    channels = NotificationChannel.values
    if not isinstance(value, dict):
        raise ValidationError(_("Notification preferences must be a JSON object."), code="invalid")
    for key, setting in value.items():
        if key == EMAIL_DIGEST:
            if setting not in EmailDigest.values:
                raise ValidationError(
                    _("'%(key)s' must be one of %(choices)s."),
                    code="invalid",
                    params={"key": key, "choices": ", ".join(EmailDigest.values)},
                )
            continue
        if key in channels:
            if not isinstance(setting, bool):
                raise ValidationError(
                    _("'%(key)s' must be true or false."), code="invalid", params={"key": key}
                )
            continue
        if not isinstance(setting, dict):
            raise ValidationError(
                _(
                    "'%(key)s' must be an object mapping channels (%(channels)s) to true or "
                    "false, or be one of the channels."
                ),
                code="invalid",
                params={"key": key, "channels": ", ".join(channels)},
            )
        for channel, enabled in setting.items():
            if channel not in channels:
                raise ValidationError(
                    _("Unknown channel '%(channel)s' in '%(key)s'; channels are %(channels)s."),
                    code="invalid",
                    params={"channel": channel, "key": key, "channels": ", ".join(channels)},
                )
            if not isinstance(enabled, bool):
                raise ValidationError(
                    _("'%(key)s.%(channel)s' must be true or false."),
                    code="invalid",
                    params={"key": key, "channel": channel},
                )
