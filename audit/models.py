from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.utils.translation import gettext_lazy as _

from core.fields import JSONField
from core.models import Timestamped

from .choices import AuditAction


class ImmutableRecord(Exception):
    """Audit rows are never changed, and only the purge task deletes them."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecord("Audit log entries cannot be changed.")

    def delete(self):
        raise ImmutableRecord("Audit log entries are only removed by the purge task.")

    def _purge(self) -> int:
        """Delete these rows: for audit.services.purge only (on PostgreSQL the table's
        trigger lets deletions through only in a transaction that asks for it)."""
        connection = connections[self.db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('audit.allow_purge', 'on', true)")
        return super().delete()[0]


class AuditLog(Timestamped):
    """One event of the history: a change of a record (with its field-level diff), a
    login, a logout, a permission change. Rows are immutable.

    The user, organization and content type are kept as ids without database
    constraints (and the names of the user and object as text), so that the history
    outlives the users, organizations and records it is about.
    """

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

    default_grants = {"administrator": ("view",), "auditor": ("view",)}

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    user_repr = models.CharField(_("User Name"), max_length=150, blank=True)
    organization = models.ForeignKey(
        "organization.Organization",
        verbose_name=_("Organization"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action_type = models.CharField(
        _("Action Type"), max_length=50, choices=AuditAction.choices, db_index=True
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("Content Type"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.CharField(_("Object ID"), max_length=255, blank=True, db_index=True)
    content_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("Object Representation"), max_length=255, blank=True)
    changes = JSONField(
        _("Changes"),
        encoder=DjangoJSONEncoder,
        null=True,
        blank=True,
        help_text=_('Field changes: {"field": {"old": ..., "new": ...}}.'),
    )
    context = JSONField(
        _("Context"),
        encoder=DjangoJSONEncoder,
        null=True,
        blank=True,
        help_text=_("Where it happened: IP address, user agent, request id, task, ..."),
    )
    request_id = models.CharField(_("Request ID"), max_length=64, blank=True, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("Audit Log Entry")
        verbose_name_plural = _("Audit Log Entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The order of every list (staff's, and members' of several organizations).
            models.Index(fields=["-created_at", "-id"], name="audit_time_idx"),
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["organization", "created_at"], name="audit_org_time_idx"),
            models.Index(fields=["user", "created_at"], name="audit_user_time_idx"),
        ]

    def __str__(self) -> str:
        target = self.object_repr or self.object_id or "system"
        return f"{self.get_action_type_display()} {target} by {self.user_repr or 'system'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("Audit log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("Audit log entries are only removed by the purge task.")
