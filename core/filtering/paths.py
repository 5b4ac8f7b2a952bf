"""Field paths of filter conditions: which names a view allows, and what they lead to.

A path is a Django lookup path ("name", "organization__code", "tags__name"), walked
through the models' `_meta`: forward foreign keys and one-to-one fields, many-to-many
fields, reverse relations and django-taggit's `tags` manager. An allowed entry that
ends on a `custom_fields` JSON field allows `<entry>__<key>` for any identifier key.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

CUSTOM_FIELDS = "custom_fields"
KEY_PLACEHOLDER = "<key>"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UnknownFieldPath(ValueError):
    """A path that does not lead to a field of the model."""


@dataclass(frozen=True)
class FieldPath:
    path: str
    # The field values are checked against: the field at the end of the path, or, for a
    # path ending on a relation, the primary key (or `to_field`) of the related model.
    field: models.Field
    # The model that holds `field`.
    model: type[models.Model]
    # Whether a record may have several values along the path (many-to-many, reverse
    # foreign key, tags).
    multi_valued: bool
    # For `custom_fields__<key>`: the key (None otherwise); `path` is then the path of
    # the JSON field itself.
    key: str | None = None
    # The ORM path compared: `path`, or for a path ending on a relation the path of the
    # related field (lookups such as icontains do not apply to a relation itself).
    lookup: str = ""

    def __post_init__(self):
        if not self.lookup:
            object.__setattr__(self, "lookup", self.path)

    @property
    def is_custom_field(self) -> bool:
        return self.key is not None


def resolve(model: type[models.Model], path: str) -> FieldPath:
    """The FieldPath of `path` on `model`, or UnknownFieldPath."""
    current = model
    multi_valued = False
    names = path.split("__")
    for position, name in enumerate(names):
        last = position == len(names) - 1
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise UnknownFieldPath(
                f'"{name}" is not a field of {current._meta.label_lower}'
            ) from exc
        if not field.is_relation:
            if not last:
                raise UnknownFieldPath(f'"{name}" of {current._meta.label_lower} is not a relation')
            return FieldPath(path, field, current, multi_valued)
        if field.related_model is None:
            # A GenericForeignKey: no single model to walk to.
            raise UnknownFieldPath(f'"{name}" of {current._meta.label_lower} cannot be filtered')
        multi_valued = multi_valued or field.many_to_many or field.one_to_many
        if last:
            if field.concrete and (field.many_to_one or field.one_to_one):
                target = field.target_field
            else:
                target = field.related_model._meta.pk
            return FieldPath(
                path, target, target.model, multi_valued, lookup=f"{path}__{target.name}"
            )
        current = field.related_model
    raise UnknownFieldPath("empty field path")  # pragma: no cover - split() never yields []


def _is_custom_fields(field_path: FieldPath) -> bool:
    return field_path.field.name == CUSTOM_FIELDS and isinstance(field_path.field, models.JSONField)


class AllowedFields:
    """The field paths a view allows, matched exactly: allowing "category__slug" allows
    neither "category__products__name" nor any other extension of it (through shared
    related records a filter could otherwise reach another organization's rows)."""

    def __init__(self, model: type[models.Model], entries):
        self.model = model
        self.entries = tuple(dict.fromkeys(entries))
        self._resolved: dict[str, FieldPath] = {}

    def __bool__(self) -> bool:
        return bool(self.entries)

    def _entry(self, entry: str) -> FieldPath:
        if entry not in self._resolved:
            try:
                self._resolved[entry] = resolve(self.model, entry)
            except UnknownFieldPath as exc:
                raise ImproperlyConfigured(
                    f'Filter field "{entry}" allowed on {self.model._meta.label_lower}: {exc}.'
                ) from exc
        return self._resolved[entry]

    def get(self, path: str) -> FieldPath | None:
        """The FieldPath of an allowed `path`, or None when it is not allowed."""
        if path in self.entries:
            resolved = self._entry(path)
            return None if _is_custom_fields(resolved) else resolved
        prefix, sep, key = path.rpartition("__")
        if sep and prefix in self.entries and _KEY.fullmatch(key):
            resolved = self._entry(prefix)
            if _is_custom_fields(resolved):
                return FieldPath(
                    prefix, resolved.field, resolved.model, resolved.multi_valued, key=key
                )
        return None

    def names(self) -> list[str]:
        """The allowed paths as a client writes them (`custom_fields__<key>`)."""
        return [
            f"{entry}__{KEY_PLACEHOLDER}" if _is_custom_fields(self._entry(entry)) else entry
            for entry in self.entries
        ]

    def check(self) -> None:
        """ImproperlyConfigured unless every entry leads to a field."""
        for entry in self.entries:
            self._entry(entry)
