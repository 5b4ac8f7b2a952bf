from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailDigest(models.TextChoices):
    """How a user's notification emails are sent: each at once, or the unread ones
    gathered into one email an hour or a day."""

    IMMEDIATE = "immediate", _("Immediately")
    HOURLY = "hourly", _("Hourly digest")
    DAILY = "daily", _("Daily digest")


class NotificationLevel(models.TextChoices):
    INFO = "INFO", _("Info")
    SUCCESS = "SUCCESS", _("Success")
    WARNING = "WARNING", _("Warning")
    ERROR = "ERROR", _("Error")


class EmailStatus(models.TextChoices):
    """Where a notification's email stands."""

    SKIPPED = "SKIPPED", _("Not by email")  # the user's choice, or no address
    UNSENT = "UNSENT", _("Unsent")  # queued, or waiting for the user's digest
    SENT = "SENT", _("Sent")
    ERROR = "ERROR", _("Error")  # failed after the retries: `email_error` says why
