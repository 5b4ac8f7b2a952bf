"""In-app notifications: one row per recipient, about something that happened, maybe
about a record (which the recipient could view when notified)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Auditable, Timestamped
from core.validators import validate_language

from .choices import EmailStatus, NotificationLevel


class Notification(Timestamped):
    """A notification to one user. A burst of the same type about the same record
    collapses into one row whose `count` grows (services.send_notification)."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

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
    email_status = models.CharField(
        _("Email Status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.SKIPPED
    )
    email_error = models.TextField(
        _("Email Error"), blank=True, help_text=_("Why the email could not be sent.")
    )
    emailed_at = models.DateTimeField(_("Emailed At"), null=True, blank=True)

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
            # The emails still to send (digests gather them per user).
            models.Index(
                fields=["recipient"],
                condition=models.Q(email_status="UNSENT"),
                name="notification_email_unsent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationTemplate(Timestamped, Auditable):
    """How the email of a type of notification reads: a subject, a text body and an
    optional HTML body in Django's template language, for every organization or for
    one, in one language or in any. The most specific active one is used
    (notifications.emails.template_for); none: the built-in one. A template that does
    not compile is refused when saved, never found out when sending."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

    type_code = models.CharField(
        _("Type"), max_length=64, help_text=_('The notification type, e.g. "comment_mention".')
    )
    organization = models.ForeignKey(
        "organization.Organization",
        verbose_name=_("Organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only for this organization's notifications; empty for every one."),
    )
    language = models.CharField(
        _("Language"),
        max_length=10,
        blank=True,
        validators=[validate_language],
        help_text=_("Only for recipients of this language; empty for any."),
    )
    subject = models.CharField(_("Subject"), max_length=255)
    body_text = models.TextField(_("Text Body"))
    body_html = models.TextField(_("HTML Body"), blank=True)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        verbose_name = _("Notification Template")
        verbose_name_plural = _("Notification Templates")
        ordering = ["type_code", "language", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["type_code", "organization", "language"],
                condition=models.Q(organization__isnull=False),
                name="notification_template_unique_per_organization",
            ),
            models.UniqueConstraint(
                fields=["type_code", "language"],
                condition=models.Q(organization__isnull=True),
                name="notification_template_unique_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_code} ({self.language or _('any language')})"

    def clean(self):
        super().clean()
        from .emails import template_errors

        errors = template_errors(self)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Every path that writes a template (API, Admin, code) compiles it first.
        self.clean()
        super().save(*args, **kwargs)
