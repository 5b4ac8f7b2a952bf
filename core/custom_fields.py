"""Validation of the `custom_fields` JSON object that many models carry.

`validate_custom_fields` is the single validation point: serializers call it through
CustomFieldsSerializerMixin, models through `CustomFieldsModel.clean()`. Today it
guarantees the value is a JSON object with string keys; per-model (and
per-organization) definitions with types, required keys and bounds plug in here.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def validate_custom_fields(value, *, model=None, organization=None) -> dict:
    """Return the validated custom fields or raise django.core.exceptions.ValidationError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            _("Custom fields must be a JSON object of key/value pairs."), code="invalid"
        )
    for key in value:
        if not isinstance(key, str) or not key.strip():
            raise ValidationError(
                _("Custom field names must be non-empty strings."), code="invalid_key"
            )
    return value


class CustomFieldsModel(models.Model):
    """Adds `custom_fields` (a JSON object, validated by validate_custom_fields)."""

    custom_fields = models.JSONField(
        _("Custom Fields"),
        default=dict,
        blank=True,
        help_text=_("Additional fields defined per model and organization."),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        try:
            self.custom_fields = validate_custom_fields(
                self.custom_fields, model=type(self), organization=self._custom_fields_org()
            )
        except ValidationError as exc:
            raise ValidationError({"custom_fields": exc.error_list}) from exc

    def _custom_fields_org(self):
        return getattr(self, "organization", None)


class CustomFieldsSerializerMixin:
    """Validates `custom_fields` of a ModelSerializer with validate_custom_fields."""

    def validate_custom_fields(self, value):
        organization = getattr(self.instance, "organization", None)
        try:
            return validate_custom_fields(value, model=self.Meta.model, organization=organization)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
