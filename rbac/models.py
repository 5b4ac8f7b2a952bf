from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Auditable, Timestamped


class FieldPermission(Timestamped, Auditable):
    """Restricts one field of a model for one role: hidden (not readable) or read-only
    (not writable). Fields without a rule are readable and writable by whoever may
    read and write the record. The rule that applies is the one of the caller's role
    in the record's organization."""

    role = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        related_name="field_permissions",
        verbose_name=_("Role (Group)"),
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, verbose_name=_("Model")
    )
    field_name = models.CharField(_("Field"), max_length=100)
    can_read = models.BooleanField(_("Can Read"), default=True)
    can_write = models.BooleanField(_("Can Write"), default=False)

    class Meta:
        verbose_name = _("Field Permission")
        verbose_name_plural = _("Field Permissions")
        ordering = ["role__name", "content_type", "field_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "content_type", "field_name"], name="rbac_field_permission_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(can_read=True) | models.Q(can_write=False),
                name="rbac_field_permission_write_needs_read",
            ),
        ]

    def __str__(self) -> str:
        access = "read-write" if self.can_write else "read-only" if self.can_read else "hidden"
        return f"{self.role}: {self.content_type.model}.{self.field_name} {access}"

    def clean(self):
        super().clean()
        if self.can_write and not self.can_read:
            raise ValidationError(
                {"can_write": _("A field that cannot be read cannot be written.")}
            )
        model = self.content_type.model_class() if self.content_type_id else None
        if model is None:
            return
        try:
            model._meta.get_field(self.field_name)
        except FieldDoesNotExist as exc:
            raise ValidationError(
                {
                    "field_name": _("%(model)s has no field '%(field)s'.")
                    % {"model": model._meta.verbose_name, "field": self.field_name}
                }
            ) from exc
