"""`?filter=<JSON>` on list endpoints: the DRF filter backend of the filter language.

A view allows the fields of `default_filter_fields` (its model's columns its
serializer shows, and so on), plus any it names in `extra_json_filter_fields`; or
exactly those of its `json_filter_fields = ("name", "organization__code", ...)`. The
setting ALLOWED_FILTER_FIELDS (`{"app_label.model": [...]}`) replaces that list
for a model (a deployment override). The backend filters the queryset the view gives
it, already limited to the caller's organizations: a filter only ever narrows it.
"""

import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from core import registry
from core.inputs import describe_path, json_problem

from .access import CustomFieldDefinitions, hidden_field_guard
from .parser import (
    DEFAULT_MAX_CONDITIONS,
    DEFAULT_MAX_DEPTH,
    MAX_LIST_VALUES,
    OPERATORS,
    FilterParser,
    InvalidFilterError,
)
from .paths import AllowedFields
from .values import is_text_field

DEFAULT_MAX_LENGTH = 4000
FILTER_NODE_REF = "#/components/schemas/FilterNode"


def filter_node_components() -> dict:
    """The JSON schema of a filter definition: a condition, or an and/or/not group of
    nodes (group keys and operators are also read in any letter case)."""

    def group(key, children):
        return {
            "type": "object",
            "properties": {key: children},
            "required": [key],
            "additionalProperties": False,
        }

    node = {"$ref": FILTER_NODE_REF}
    return {
        "FilterCondition": {
            "type": "object",
            "properties": {
                "field": {"type": "string", "description": "An allowed field path."},
                "op": {"type": "string", "enum": list(OPERATORS)},
                "value": {"description": "A value of the field's type; a list for in/notin."},
            },
            "required": ["field", "op", "value"],
            "additionalProperties": False,
        },
        "FilterNode": {
            "oneOf": [
                {"$ref": "#/components/schemas/FilterCondition"},
                group("and", {"type": "array", "items": node}),
                group("or", {"type": "array", "items": node}),
                group("not", node),
            ]
        },
    }


# The owning organization, by id, code or name: for `json_filter_fields` of
# organization-bound records (`(*ORGANIZATION_FILTER_FIELDS, "name", ...)`).
ORGANIZATION_FILTER_FIELDS = ("organization", "organization__code", "organization__name")


def allowed_filter_fields(view, model) -> tuple[str, ...]:
    """The field paths `view` allows in filters on `model` records: the deployment's
    ALLOWED_FILTER_FIELDS entry for the model, else the view's `json_filter_fields`,
    else the default (`default_filter_fields`) and the view's
    `extra_json_filter_fields`."""
    overrides = {
        label.lower(): fields
        for label, fields in getattr(settings, "ALLOWED_FILTER_FIELDS", {}).items()
    }
    if model._meta.label_lower in overrides:
        return tuple(overrides[model._meta.label_lower])
    declared = getattr(view, "json_filter_fields", None)
    if declared is not None:
        return tuple(declared)
    default = default_filter_fields(view, model)
    extra = getattr(view, "extra_json_filter_fields", ())
    return default + tuple(name for name in extra if name not in default)


def _column(model, path: str):
    """The concrete, non-JSON model field at the end of a queryset path, or None."""
    *relations, name = path.split("__")
    for relation in relations:
        try:
            model = model._meta.get_field(relation).related_model
        except FieldDoesNotExist:
            return None
        if model is None:
            return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.many_to_many or isinstance(field, models.JSONField):
        return None
    return field


def default_filter_fields(view, model) -> tuple[str, ...]:
    """What a view that declares no `json_filter_fields` allows: the model's columns
    its serializer shows (JSON columns aside; a field read through a relation, such as
    `category_name` from `category.name`, by its path `category__name`), the
    organization's code and name for records with an `organization`, and
    `custom_fields` and `tags__name` when the model has them (core.registry)."""
    serializer_class = getattr(view, "serializer_class", None)
    shown = getattr(getattr(serializer_class, "Meta", None), "fields", ())
    if shown == "__all__":
        shown = [field.name for field in model._meta.concrete_fields]
    declared = getattr(serializer_class, "_declared_fields", {})
    names = []
    for name in shown:
        source = getattr(declared.get(name), "source", None) or name
        path = source.replace(".", "__")
        if path not in names and _column(model, path) is not None:
            names.append(path)
    features = registry.features(model)
    if features.organization_path == "organization":
        names += [name for name in ORGANIZATION_FILTER_FIELDS if name not in names]
    if features.custom_fields:
        names.append("custom_fields")
    if features.taggable:
        names.append("tags__name")
    return tuple(names)


def filter_limits() -> dict[str, int]:
    return {
        "max_depth": getattr(settings, "FILTER_MAX_DEPTH", DEFAULT_MAX_DEPTH),
        "max_conditions": getattr(settings, "FILTER_MAX_CONDITIONS", DEFAULT_MAX_CONDITIONS),
        "max_length": getattr(settings, "FILTER_MAX_LENGTH", DEFAULT_MAX_LENGTH),
    }


def _invalid(message: str) -> ValidationError:
    return ValidationError({JSONFilterBackend.query_param: [message]})


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def load_definition(raw: str, max_length: int):
    """The parsed JSON of the parameter (Django has already URL-decoded it)."""
    if len(raw) > max_length:
        raise _invalid(f"The filter is too long: at most {max_length} characters.")
    try:
        # Exact numbers: 0.1 stays 0.1 for decimal fields.
        definition = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise _invalid("The filter is not valid JSON: nested too deeply.") from None
    except ValueError as exc:
        raise _invalid(f"The filter is not valid JSON: {exc}.") from exc
    problem = json_problem(definition)
    if problem is not None:
        path, reason = problem
        where = f" (at {describe_path(path)})" if path else ""
        raise _invalid(f"The filter cannot be applied{where}: {reason}")
    return definition


class JSONFilterBackend(BaseFilterBackend):
    query_param = "filter"

    def filter_queryset(self, request, queryset, view):
        given = request.query_params.getlist(self.query_param)
        if not given:
            return queryset
        if len(given) > 1:
            raise _invalid(
                f"Give `{self.query_param}` once; combine conditions with and/or instead."
            )
        raw = given[0]
        if not raw.strip():
            # `?filter=` means no filter, as an empty value does for the other filters.
            return queryset
        model = queryset.model
        allowed = AllowedFields(model, allowed_filter_fields(view, model))
        if not allowed:
            raise _invalid(
                f"Filtering with `{self.query_param}` is not available on this endpoint."
            )
        limits = filter_limits()
        definition = load_definition(raw, limits["max_length"])
        parser = FilterParser(
            model,
            allowed,
            custom_field_definitions=CustomFieldDefinitions.for_view(view),
            field_guard=hidden_field_guard(request, view),
            max_depth=limits["max_depth"],
            max_conditions=limits["max_conditions"],
        )
        try:
            condition = parser.parse(definition)
        except InvalidFilterError as exc:
            raise _invalid(str(exc)) from exc
        try:
            return queryset.filter(condition)
        except (FieldError, ValueError, TypeError, DjangoValidationError) as exc:
            # Values are checked before this point; this is the ORM's last word.
            raise _invalid(f"The filter cannot be applied: {exc}") from exc

    # ---------------------------------------------------------------------- schema
    def get_schema_operation_parameters(self, view):
        model = _model_of(view)
        if model is None:
            return []
        allowed = AllowedFields(model, allowed_filter_fields(view, model))
        if not allowed:
            return []
        return [
            {
                "name": self.query_param,
                "required": False,
                "in": "query",
                "description": describe_parameter(allowed),
                # A JSON object in the query string (core.schema registers FilterNode).
                "content": {"application/json": {"schema": {"$ref": FILTER_NODE_REF}}},
            }
        ]


def _model_of(view):
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(view, "serializer_class", None)
    return getattr(getattr(serializer_class, "Meta", None), "model", None)


def _example(allowed: AllowedFields, names: list[str]) -> dict:
    """A filter on the endpoint's own fields: a text search on its first own text field
    (else on the first text field) and that another field has a value."""

    def is_text(name):
        path = allowed.get(name)
        return path is not None and is_text_field(path.field)

    texts = [name for name in allowed.entries if is_text(name)]
    text = next((name for name in texts if "__" not in name), texts[0] if texts else None)
    others = [name for name in names if name not in (text, "id")] or [names[0]]
    has_value = {
        "not": {"field": others[0].replace("<key>", "size"), "op": "isnull", "value": True}
    }
    if text is None:
        return {"and": [has_value]}
    return {"and": [{"field": text, "op": "icontains", "value": "abc"}, has_value]}


def describe_parameter(allowed: AllowedFields) -> str:
    limits = filter_limits()
    names = allowed.names()
    example = _example(allowed, names)
    return (
        "Advanced filter: a URL-encoded JSON object. A condition is "
        '`{"field": ..., "op": ..., "value": ...}`; combine them with `{"and": [...]}`, '
        '`{"or": [...]}` and `{"not": {...}}`.\n\n'
        f"Fields: {', '.join(f'`{name}`' for name in names)}.\n\n"
        f"Operators: {', '.join(f'`{op}`' for op in OPERATORS)}. The contains, startswith "
        "and endswith operators (and their case-insensitive `i` forms) apply to texts; "
        f"`in`/`notin` take a list of 1 to {MAX_LIST_VALUES} values; `isnull` takes "
        "true or false.\n\n"
        f"At most {limits['max_depth']} levels of and/or/not, {limits['max_conditions']} "
        f"conditions and {limits['max_length']} characters.\n\n"
        f"Example: `{json.dumps(example)}`"
    )
