from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from taggit.serializers import TagListSerializerField

from rbac.access import member_organization_ids
from rbac.serializers import ContentTypeField

from .custom_fields import plain_number
from .models import CustomFieldDefinition
from .registry import organization_model
from .utils import exists_besides


@extend_schema_field(OpenApiTypes.INT)
class MemberOrganizationField(serializers.PrimaryKeyRelatedField):
    """An organization the caller is an active member of (any, for superusers).

    Other organizations are reported exactly like ids that do not exist: a payload
    cannot be used to learn whether another tenant's organization exists.
    """

    def get_queryset(self):
        request = self.context.get("request")
        organizations = member_organization_ids(request.user) if request else []
        if organizations is None:
            return organization_model().objects.all()
        return organization_model().objects.filter(pk__in=organizations)


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
        return sorted(super().to_representation(value), key=str.casefold)


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


class OrganizationScopedSerializerMixin(serializers.Serializer):
    """The `organization` of a scoped record: required on create, one of the caller's
    organizations (the view checks the role's permissions there)."""

    organization = MemberOrganizationField(
        help_text=_("Id of the organization the record belongs to."),
    )

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and "organization" in fields:
            fields["organization"].required = False
        return fields


class PlainDecimalField(serializers.DecimalField):
    """A decimal read back as written ("10", "0.5"), not padded to the column's
    decimal places ("10.000000")."""

    def to_representation(self, value):
        if value is None:
            return None
        return plain_number(Decimal(value))


class CustomFieldDefinitionSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: PlainDecimalField,
    }

    model = ContentTypeField(source="content_type", help_text='The model, e.g. "contact.contact".')
    organization = serializers.PrimaryKeyRelatedField(
        queryset=organization_model().objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the organization it applies to; empty for every organization.",
    )

    class Meta:
        model = CustomFieldDefinition
        fields = [
            "id",
            "model",
            "organization",
            "key",
            "label",
            "help_text",
            "field_type",
            "required",
            "choices",
            "min_value",
            "max_value",
            "max_length",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # uniqueness checked in validate(), NULL organization included

    def validate(self, attrs):
        attrs = super().validate(attrs)
        values = {
            name: getattr(self.instance, name)
            for name in (
                "content_type",
                "organization",
                "key",
                "field_type",
                "required",
                "choices",
                "min_value",
                "max_value",
                "max_length",
            )
            if self.instance is not None
        }
        values.update(attrs)
        candidate = CustomFieldDefinition(**values)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        duplicates = CustomFieldDefinition.objects.filter(
            content_type=candidate.content_type,
            organization=candidate.organization,
            key=candidate.key,
        )
        if exists_besides(duplicates, self.instance):
            raise serializers.ValidationError(
                {"key": [_("This key is already defined for this model and organization.")]}
            )
        return attrs
