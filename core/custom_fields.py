"""Custom fields: the `custom_fields` JSON object of many models, and its definitions.

Administrators declare, per model and optionally per organization, which keys a
model's `custom_fields` may hold (CustomFieldDefinition: type, required, choices,
bounds). `validate_custom_fields` is the single validation point: serializers call it
through core.serializers.CustomFieldsSerializerMixin, models through
core.models.CustomFieldsModel.clean() (so the Admin validates too). A model without
any definition accepts any JSON object; once it has definitions (global, or for the
record's organization), unknown keys, wrong types and missing required keys are
refused, each error naming its key.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    BOOLEAN = "boolean", _("Boolean")
    DATE = "date", _("Date (YYYY-MM-DD)")
    CHOICE = "choice", _("Choice")


def definitions_for(model, organization=None):
    """Active definitions that apply to `model` records of `organization`: the global
    ones, overridden key by key by the organization's own."""
    CustomFieldDefinition = apps.get_model("core", "CustomFieldDefinition")

    scope = Q(organization__isnull=True)
    if organization is not None:
        scope |= Q(organization=organization)
    found = {}
    for definition in CustomFieldDefinition.objects.filter(
        scope, content_type=ContentType.objects.get_for_model(model), is_active=True
    ).order_by(F("organization_id").asc(nulls_first=True)):
        # Global definitions (NULL organization) come first, on every database (PostgreSQL
        # sorts NULLs last by default); the organization's win.
        found[definition.key] = definition
    return found


def validate_custom_fields(value, *, model=None, organization=None, definitions=None) -> dict:
    """The validated custom fields, or django.core.exceptions.ValidationError.

    Errors are a dict {key: [messages]} when they concern keys, a message otherwise.
    `definitions` (of `definitions_for`) saves reading them again, for many records.
    """
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
    if model is None:
        return value
    if definitions is None:
        definitions = definitions_for(model, organization)
    if not definitions:
        return value
    errors, cleaned = {}, {}
    for key, item in value.items():
        definition = definitions.get(key)
        if definition is None:
            errors[key] = [_("Unknown custom field.")]
            continue
        try:
            cleaned[key] = definition.clean_value(item)
        except ValidationError as exc:
            errors[key] = exc.messages
    for key, definition in definitions.items():
        if definition.required and value.get(key) in (None, ""):
            errors.setdefault(key, [_("This custom field is required.")])
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_typed_value(definition, value):
    """`value` checked and normalised for the definition's type (None stays None)."""
    if value is None:
        return None
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str):
            raise ValidationError(_("Enter a text."))
        if definition.max_length is not None and len(value) > definition.max_length:
            raise ValidationError(_("At most %(max)s characters.") % {"max": definition.max_length})
        return value
    if kind == CustomFieldType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(_("Enter a whole number."))
        _check_bounds(definition, Decimal(value))
        return value
    if kind == CustomFieldType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError(_("Enter a number."))
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        _check_bounds(definition, number)
        # Kept as a string: exact, unlike a JSON float.
        return str(number)
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError(_("Enter true or false."))
        return value
    if kind == CustomFieldType.DATE:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == CustomFieldType.CHOICE:
        # Compared with their type: in Python True == 1 == 1.0, in JSON they differ.
        if not any(
            type(value) is type(choice) and value == choice for choice in definition.choices or []
        ):
            raise ValidationError(
                _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(map(str, definition.choices or []))}
            )
        return value
    raise ValidationError(_("Unsupported custom field type."))  # pragma: no cover


def plain_number(number: Decimal) -> str:
    """A stored bound as it was written: Decimal("10.000000") -> "10", "0.500000" -> "0.5"."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _check_bounds(definition, number: Decimal) -> None:
    if definition.min_value is not None and number < definition.min_value:
        raise ValidationError(_("At least %(min)s.") % {"min": plain_number(definition.min_value)})
    if definition.max_value is not None and number > definition.max_value:
        raise ValidationError(_("At most %(max)s.") % {"max": plain_number(definition.max_value)})


def error_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{key}: {message}" for key, errors in exc.message_dict.items() for message in errors
        ]
    return exc.messages
