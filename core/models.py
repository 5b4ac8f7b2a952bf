"""Abstract models shared by every app."""

from crum import get_current_user
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Timestamped(models.Model):
    """Self-updating, timezone-aware `created_at` and `updated_at`."""

    created_at = models.DateTimeField(
        _("Created At"),
        auto_now_add=True,
        editable=False,
        help_text=_("Timestamp when the record was created."),
    )
    updated_at = models.DateTimeField(
        _("Updated At"),
        auto_now=True,
        editable=False,
        help_text=_("Timestamp when the record was last updated."),
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def save(self, *args, **kwargs):
        # A partial save (update_fields) still records when the row last changed.
        update_fields = kwargs.get("update_fields")
        if update_fields:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class Auditable(models.Model):
    """`created_by` and `updated_by`, filled on save from the current user (django-crum).

    The current user is the authenticated user of the request being served (set by
    crum.CurrentRequestUserMiddleware, and by DRF once it authenticates the request);
    code that runs outside a request (tasks, commands) sets it with `crum.impersonate`.
    Saves with no current user leave both fields untouched.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Created By"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        help_text=_("User who created the record."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Updated By"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        help_text=_("User who last updated the record."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        user = get_current_user()
        # AnonymousUser and unsaved users have no primary key: record nobody.
        if user is not None and getattr(user, "pk", None) is not None:
            # _state.adding, not `pk is None`: models with natural primary keys
            # (a currency code, say) have their pk before the first save.
            if self._state.adding:
                self.created_by = user
            self.updated_by = user
            update_fields = kwargs.get("update_fields")
            if update_fields:
                kwargs["update_fields"] = {*update_fields, "updated_by"}
        super().save(*args, **kwargs)
