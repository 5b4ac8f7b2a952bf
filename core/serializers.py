"""Serializer building blocks of the platform that need nothing but core: tags,
unique rules checked twice, plain decimals, custom fields. The scoped base serializer
that combines them with the organization and field rules is api.base.serializers."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html
from taggit.serializers import TagListSerializerField

from .custom_fields import plain_number, validate_custom_fields

MAX_TAGS = 50


class TagListField(TagListSerializerField):
    """The `tags` of a taggable record: a list of names, written whole (the list
    replaces the record's tags). Names are trimmed, 1 to 100 characters, without commas
    (`?tags=a,b` filters split on them); a name repeated in any letter case counts
    once. Read back sorted by name."""

    child = serializers.CharField(max_length=100)
    default_error_messages = {
        **TagListSerializerField.default_error_messages,
        "too_many": _("At most {max_tags} tags."),
        "comma": _("Tag names cannot contain commas: {name!r}."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Tag names; the list replaces the record's tags."))
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        # A form (multipart upload) sends a list as repeated keys, or as JSON text.
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            if len(values) == 1 and values[0].lstrip().startswith("["):
                return values[0]
            return values
        return super().get_value(dictionary)

    def to_internal_value(self, value):
        names = {}
        for name in super().to_internal_value(value):
            name = name.strip()
            if "," in name:
                self.fail("comma", name=name)
            names.setdefault(name.casefold(), name)
        if len(names) > MAX_TAGS:
            self.fail("too_many", max_tags=MAX_TAGS)
        return list(names.values())

    def to_representation(self, value):
        # The names, sorted: taggit's TagList (a list that prints itself as JSON) is
        # left out, as its query of a tag manager's tags in their stored order.
        if not isinstance(value, list):
            value = [tag.name for tag in value.all()]
        return sorted(value, key=str.casefold)


class UniqueGuardMixin:
    """Unique rules checked in validation and again when the database refuses a row.

    A serializer names the fields of its rules (`unique_names`), says what clashes
    (`unique_errors(values)` -> `{field: [message]}`), calls `_check_unique(attrs)` in
    validate() and writes through `_guarded(write)`: in a transaction, where a row a
    concurrent request took in between gives the 400 validation would have given, not
    a 500."""

    def unique_errors(self, values: dict) -> dict:
        raise NotImplementedError

    def _final_values(self, attrs: dict) -> dict:
        instance = self.instance
        names = self.unique_names
        values = {name: getattr(instance, name) for name in names if instance is not None}
        values.update({name: attrs[name] for name in names if name in attrs})
        return values

    def _check_unique(self, attrs: dict) -> None:
        self._unique_values = self._final_values(attrs)
        errors = self.unique_errors(self._unique_values)
        if errors:
            raise serializers.ValidationError(errors)

    def _guarded(self, write):
        try:
            with transaction.atomic():
                return write()
        except IntegrityError:
            errors = self.unique_errors(self._unique_values)
            if errors:
                raise serializers.ValidationError(errors) from None
            raise


class PlainDecimalField(serializers.DecimalField):
    """A decimal read back as written ("10", "0.5"), not padded to the column's
    decimal places ("10.000000")."""

    def to_representation(self, value):
        if value is None:
            return None
        return plain_number(Decimal(value))


class CustomFieldsSerializerMixin:
    """Validates `custom_fields` of a ModelSerializer against the definitions of its
    model and of the record's organization (the payload's, or the instance's); or
    against `context["custom_field_definitions"]` when the caller read them once for
    many records of one organization (an import)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        sent = "custom_fields" in attrs
        # A new record that leaves custom_fields out still needs its required keys.
        creating = self.root.instance is None and not getattr(self.root, "partial", False)
        if not sent and not (creating and "custom_fields" in self.fields):
            return attrs
        try:
            cleaned = validate_custom_fields(
                attrs["custom_fields"] if sent else {},
                model=self.Meta.model,
                organization=self.get_custom_fields_organization(attrs),
                definitions=self.context.get("custom_field_definitions"),
            )
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            raise serializers.ValidationError({"custom_fields": detail}) from exc
        if sent:
            attrs["custom_fields"] = cleaned
        return attrs

    def get_custom_fields_organization(self, attrs):
        if "organization" in attrs:
            return attrs["organization"]
        return getattr(self.instance, "organization", None)


def missing_fields(serializer, data) -> dict:
    """Errors for the required fields of `serializer` (nested serializers included)
    that the validated `data` lacks: what a partial (PATCH) validation lets through
    when a nested object is created, not updated."""
    missing = {}
    for name, field in serializer.fields.items():
        if field.read_only or not field.required:
            continue
        if field.source not in data:
            missing[name] = [field.error_messages["required"]]
        elif isinstance(field, serializers.Serializer):
            nested = missing_fields(field, data[field.source])
            if nested:
                missing[name] = nested
    return missing
