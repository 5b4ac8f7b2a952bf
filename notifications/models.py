"""In-app notifications: one row per recipient, about something that happened, maybe
about a record (which the recipient could view when notified)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Timestamped

from .choices import NotificationLevel


class Notification(Timestamped):
    """A notification to one user. A burst of the same type about the same record
    collapses into one row whose `count` grows (services.send_notification)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    organization = models.ForeignKey(
        "organization.Organization",
        verbose_name=_("Organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who did what the notification tells."),
    )
    type_code = models.CharField(_("Type"), max_length=64, db_index=True)
    level = models.CharField(
        _("Level"), max_length=10, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField(_("Title"), max_length=255)
    message = models.TextField(_("Message"), blank=True)
    action_url = models.CharField(_("Action URL"), max_length=500, blank=True)
    action_text = models.CharField(_("Action Text"), max_length=100, blank=True)
    target_content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("Record Type"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    target_object_id = models.CharField(_("Record Id"), max_length=64, blank=True, default="")
    target = GenericForeignKey("target_content_type", "target_object_id")
    count = models.PositiveIntegerField(
        _("Count"), default=1, help_text=_("How many times it happened (a collapsed burst).")
    )
    read_at = models.DateTimeField(_("Read At"), null=True, blank=True)

    class Meta:
        verbose_name = _("Notification")
        verbose_name_plural = _("Notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"]),
            # The unread count: an index of the unread rows only.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["target_content_type", "target_object_id"]),
        ]

    def __str__(self) -> str:
        return self.title
