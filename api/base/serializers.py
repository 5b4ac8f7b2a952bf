"""Serializers of organization-scoped records.

`ScopedModelSerializer` is what a model's serializer starts from: it names its model
and fields, and gets what the model's features ask for (core.registry):

- scoped by a foreign key `organization`: `organization` is one of the caller's
  organizations (required on create), `organization_name` reads its name;
- field rules of the caller's role (rbac.fields) on every read and write;
- custom fields validated against their definitions;
- taggable: `tags`, a list of names written whole;
- workflow: state fields are read-only, changed by the transitions only;
- the record and its tags (and whatever a subclass writes with it) are saved in one
  transaction.

A field the serializer declares itself always wins over the one given here.
"""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from taggit.serializers import TaggitSerializer

from audit.grouping import one_row_per_record
from core import registry
from core.models import CustomFieldDefinition
from core.registry import organization_model
from core.serializers import CustomFieldsSerializerMixin, PlainDecimalField, TagListField
from core.tagging import set_tags
from core.utils import exists_besides
from core.workflows import state_fields
from rbac.access import member_organization_ids
from rbac.fields import FieldPermissionSerializerMixin
from rbac.serializers import ContentTypeField

from .workflows import WorkflowSerializerMixin


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


def organization_field():
    return MemberOrganizationField(help_text=_("Id of the organization the record belongs to."))


def _feature_fields(model) -> dict:
    """{field name: factory} of the fields the model's features give a serializer."""
    features = registry.features(model)
    fields = {}
    if features.organization_path == "organization":
        fields["organization"] = organization_field
        fields["organization_name"] = lambda: serializers.CharField(
            source="organization.name", read_only=True
        )
    if features.taggable:
        fields["tags"] = TagListField
    return fields


# {serializer class: {name: (its field as DRF builds it, how each serializer copies it)}}:
# see ScopedModelSerializer._model_fields.
_MODEL_FIELDS: dict[type, dict] = {}


def _copy_field(field):
    """A copy of an unbound field with its own state: what DRF's deep copy gives, without
    building the field again from its deep-copied arguments. Its attributes are set when
    it is built and rebound on the copy (`bind`, `required`...); the objects they refer
    to (choices, messages, a relation's queryset, the validators, which DRF shares
    between copies too) are only read. Its list of validators is its own.

    What `copy.copy` does for such an object (a new instance given the same attribute
    dictionary), without its generic protocol: a serializer copies twenty fields or
    so each time it is built, and there the protocol took most of the time."""
    state = vars(field)
    duplicate = object.__new__(type(field))
    vars(duplicate).update(state)
    if "_validators" in state:
        duplicate._validators = list(state["_validators"])
    return duplicate


def _copier(field):
    """How a serializer gets its own `field`: copied by `_copy_field` when it is not a
    serializer and DRF copies it as every field, with its own copies of the fields it
    holds (a list's child, bound to it); deep-copied otherwise."""
    cls = type(field)
    if (
        cls.__deepcopy__ is not serializers.Field.__deepcopy__
        or any("__slots__" in vars(each) for each in cls.__mro__[:-1])
        or isinstance(field, serializers.BaseSerializer)
    ):
        return copy.deepcopy
    # Its parent, once bound, is the serializer's: not one of its own.
    held = {
        name: _copier(value)
        for name, value in vars(field).items()
        if isinstance(value, serializers.Field) and name != "parent"
    }
    if not held:
        return _copy_field
    if copy.deepcopy in held.values():
        return copy.deepcopy

    def copy_holding(field):
        duplicate = _copy_field(field)
        for name, copy_held in held.items():
            original = getattr(field, name)
            child = copy_held(original)
            if getattr(original, "parent", None) is field:
                child.parent = duplicate
            setattr(duplicate, name, child)
        return duplicate

    return copy_holding


class ScopedModelSerializer(
    FieldPermissionSerializerMixin,
    CustomFieldsSerializerMixin,
    WorkflowSerializerMixin,
    TaggitSerializer,
    serializers.ModelSerializer,
):
    """The base serializer of a model's API (see the module's docstring)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        model = getattr(getattr(cls, "Meta", None), "model", None)
        names = getattr(getattr(cls, "Meta", None), "fields", None)
        if model is None or not isinstance(names, list | tuple):
            return
        given = {
            name: make()
            for name, make in _feature_fields(model).items()
            if name in names and name not in cls._declared_fields
        }
        if given:
            cls._declared_fields = {**cls._declared_fields, **given}

    # Its get_fields changes what a write requires, not what is read (rows: plans).
    readable_fields_fixed = True

    def get_fields(self):
        fields = self._model_fields()
        if self.instance is not None and isinstance(
            fields.get("organization"), MemberOrganizationField
        ):
            fields["organization"].required = False  # kept unless moved
        return fields

    def _model_fields(self):
        """DRF's fields of the class, built from its model once per class and copied
        for each serializer, as DRF copies the declared fields (`_copier`): building
        them reads every model field's options, validators and uniqueness anew, for
        the same fields each time. A class whose `__init__` may change them builds its
        own each time."""
        cls = type(self)
        if any(
            "__init__" in vars(each)
            for each in cls.__mro__[: cls.__mro__.index(ScopedModelSerializer)]
        ):
            return super().get_fields()
        template = _MODEL_FIELDS.get(cls)
        if template is None:
            template = _MODEL_FIELDS[cls] = {
                name: (field, _copier(field)) for name, field in super().get_fields().items()
            }
        return {name: duplicate(field) for name, (field, duplicate) in template.items()}

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for field in state_fields(self.Meta.model):
            extra.setdefault(field.name, {})["read_only"] = True
        return extra

    # A record and its tags are saved in one transaction, with one audit row and one
    # change event (audit.grouping).
    def create(self, validated_data):
        with one_row_per_record():
            return super().create(validated_data)

    def update(self, instance, validated_data):
        with one_row_per_record():
            return super().update(instance, validated_data)

    def _save_tags(self, tag_object, tags):
        # In a constant number of queries (django-taggit's `set` spends several per tag).
        for name, names in tags.items():
            set_tags({tag_object: names}, field_name=self.fields[name].source)
        return tag_object


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
