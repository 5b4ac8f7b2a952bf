"""How the records of a model become the rows of a file, and the rows of a file records.

One generic resource serves every model whose API view is a ScopedModelViewSet: it is
derived from the view's serializer, so that an export shows what the list shows and an
import goes through the validation of the API. Per column:

- a plain field: its value as the API gives and takes it (JSON fields as JSON text);
- a relation: the related record's natural key (`natural_key_of`: a product's SKU, a
  category's slug, a unit's code, a user's username) instead of its id;
- tags: the names, separated by commas;
- custom fields: one column per definition that applies, `custom_fields.<key>`.

Exports leave out what the caller may not read (field rules of their role in the job's
organization) and the model's sensitive fields (the audit's masked fields); imports
take only the fields the caller may write. A view may name its own `data_resource`
(a subclass) for special columns.
"""

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import relations, serializers
from taggit.serializers import TagListSerializerField

from core import registry
from core.custom_fields import CustomFieldType, definitions_for
from rbac.fields import field_restrictions

CUSTOM_PREFIX = "custom_fields."
TAG_SEPARATOR = ","
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def natural_key_of(model) -> str:
    """The field that names a record of `model` for people and files: its declared
    `natural_key_field`, else the username of users, else the primary key."""
    declared = getattr(model, "natural_key_field", None)
    if declared:
        return declared
    return getattr(model, "USERNAME_FIELD", None) or model._meta.pk.name


class CellError(Exception):
    """A cell that cannot be read as its column's value."""


@dataclass(frozen=True)
class Column:
    """A column of a file: its header and the serializer field (or custom field key)
    it stands for. kind: "plain", "json", "relation", "tags" or "custom"."""

    header: str
    field: str
    kind: str
    key: str = ""  # the natural key of a relation's model; the key of a custom field
    custom_type: str = ""

    def parse(self, cell: str):
        """The value a non-empty cell gives the serializer, or CellError."""
        if self.kind == "json":
            try:
                return json.loads(cell)
            except ValueError:
                raise CellError(_("Enter valid JSON.")) from None
        if self.kind == "tags":
            return [name.strip() for name in cell.split(TAG_SEPARATOR) if name.strip()]
        if self.kind == "custom":
            return _custom_value(self.custom_type, cell)
        return cell

    def format(self, value):
        """How a value of the API's representation is written in a file."""
        if value is None:
            return None
        if self.kind == "tags":
            return ", ".join(value)
        if isinstance(value, dict | list):
            return _JSON.encode(value) if value else "{}" if isinstance(value, dict) else "[]"
        return value


# What json.dumps(value, ensure_ascii=False, sort_keys=True) does, without an encoder
# made for each value.
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _custom_value(kind: str, cell: str):
    if kind == CustomFieldType.INTEGER:
        try:
            return int(cell)
        except ValueError:
            raise CellError(_("Enter a whole number.")) from None
    if kind == CustomFieldType.DECIMAL:
        try:
            Decimal(cell)
        except InvalidOperation:
            raise CellError(_("Enter a number.")) from None
        return cell
    if kind == CustomFieldType.BOOLEAN:
        lowered = cell.lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise CellError(_("Enter true or false."))
    return cell


def _is_sensitive(model, name: str) -> bool:
    masked = settings.AUDIT.get("MASKED_FIELDS", [])
    return name in masked or f"{model._meta.label_lower}.{name}" in masked


def _related_model(field):
    queryset = getattr(field, "queryset", None)
    if queryset is None and hasattr(field, "get_queryset"):
        try:
            queryset = field.get_queryset()
        except (AssertionError, AttributeError):
            return None
    return None if queryset is None else queryset.model


class DataResource:
    """The columns of a model's files for one caller in one organization (see the
    module's docstring)."""

    def __init__(self, view_class, request, organization):
        self.view_class = view_class
        self.request = request
        self.organization = organization
        self.serializer_class = view_class.serializer_class
        self.model = self.serializer_class.Meta.model
        self.key_field = natural_key_of(self.model)
        self.hidden, self.read_only = field_restrictions(request, self.model, organization)
        self.custom_definitions = (
            definitions_for(self.model, organization)
            if registry.features(self.model).custom_fields
            else {}
        )

    def serializer(self, **kwargs):
        return self.serializer_class(context={"request": self.request}, **kwargs)

    # Exports ------------------------------------------------------------------------

    def export_columns(self) -> list[Column]:
        fields = self.serializer().fields
        columns = []
        for name, field in fields.items():
            if field.write_only or name in self.hidden or _is_sensitive(self.model, name):
                continue
            if name == "custom_fields" and self.custom_definitions:
                columns.extend(self._custom_columns())
                continue
            columns.append(self._column(name, field))
        return columns

    def _custom_columns(self) -> list[Column]:
        return [
            Column(f"{CUSTOM_PREFIX}{key}", "custom_fields", "custom", key, definition.field_type)
            for key, definition in sorted(self.custom_definitions.items())
        ]

    def _column(self, name, field) -> Column:
        if isinstance(field, TagListSerializerField):
            return Column(name, name, "tags")
        if isinstance(field, relations.RelatedField) and not isinstance(
            field, relations.HyperlinkedRelatedField
        ):
            model = _related_model(field)
            if model is not None:
                key = natural_key_of(model)
                return Column(name, name, "relation", "" if key == model._meta.pk.name else key)
        if isinstance(field, serializers.JSONField | serializers.DictField):
            return Column(name, name, "json")
        return Column(name, name, "plain")

    # Imports ------------------------------------------------------------------------

    def import_columns(self) -> tuple[dict[str, Column], dict[str, str]]:
        """({lower-case header: column} of what the caller may write, {lower-case
        header: why it is ignored} of the serializer's other fields)."""
        fields = self.serializer().fields
        columns, ignored = {}, {}
        for name, field in fields.items():
            if name in self.hidden:
                continue  # as if it did not exist: its name tells nothing
            if name == self.key_field and field.read_only:
                columns[name.lower()] = Column(name, name, "plain")
                continue
            if name == "organization":
                ignored[name.lower()] = _("the rows go to the organization of the import")
                continue
            if field.read_only:
                ignored[name.lower()] = _("read-only")
                continue
            if name in self.read_only:
                ignored[name.lower()] = _("your role may not change it")
                continue
            if name == "custom_fields" and self.custom_definitions:
                for column in self._custom_columns():
                    columns[column.header.lower()] = column
                continue
            if isinstance(field, serializers.BaseSerializer | relations.ManyRelatedField):
                ignored[name.lower()] = _("not importable from a file")
                continue
            columns[name.lower()] = self._column(name, field)
        return columns, ignored

    def required_headers(self) -> list[str]:
        """The columns a file that creates records must have."""
        fields = self.serializer().fields
        names = [
            name
            for name, field in fields.items()
            if field.required and not field.read_only and name != "organization"
        ]
        names += [
            f"{CUSTOM_PREFIX}{key}"
            for key, definition in sorted(self.custom_definitions.items())
            if definition.required
        ]
        return names
