from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    """Where a meeting stands: scheduled until its provider says it started, then
    ended; or cancelled by its host."""

    SCHEDULED = "SCHEDULED", _("Scheduled")
    STARTED = "STARTED", _("Started")
    ENDED = "ENDED", _("Ended")
    CANCELLED = "CANCELLED", _("Cancelled")


class ParticipantRole(models.TextChoices):
    HOST = "HOST", _("Host")
    ATTENDEE = "ATTENDEE", _("Attendee")
