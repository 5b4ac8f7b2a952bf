"""The filter language: a JSON definition -> a Django Q object.

A node is a condition or a group:

    {"field": "name", "op": "icontains", "value": "acme"}
    {"and": [node, ...]}    {"or": [node, ...]}    {"not": node}

Group keys and operators may be written in any letter case; an empty `and`/`or` is no
condition (as an empty filter).

Conditions name an allowed field path (see paths.AllowedFields), an operator of
OPERATORS and a value checked against the field (see values). Anything else is an
InvalidFilterError whose message says what is wrong and where ("and[1].or[0]: ...").

How conditions compile:

- Single-valued paths: the lookup itself, `Q(<path>__<lookup>=value)`; `neq`/`notin`
  are its negation, which (as Django's `exclude`) also matches rows whose value is
  NULL.
- Multi-valued paths (many-to-many, reverse foreign keys, tags): `pk__in` a subquery of
  the same model filtered by the lookup. Two conditions may then match different
  related rows (`tags__name eq a` and `tags__name eq b`: records with both tags), no
  row is repeated, and a negation means "has no related row matching".
- `custom_fields__<key>`: compared as JSON values, numbers numerically whether stored
  as JSON numbers or as strings (decimal custom fields are stored as strings), so that
  the same filter means the same on SQLite and PostgreSQL. Such a condition is true or
  false, never NULL: a missing key matches `neq` and `notin`.
"""

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Case, DecimalField, Func, Q, Value, When
from django.db.models import lookups as django_lookups
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.json import KeyTextTransform
from taggit.models import TagBase

from .paths import AllowedFields, FieldPath
from .values import (
    ValueProblem,
    check_choice,
    coerce_custom_value,
    coerce_model_value,
    describe,
    is_text_field,
    to_number,
)

DEFAULT_MAX_DEPTH = 5
DEFAULT_MAX_CONDITIONS = 30
MAX_LIST_VALUES = 100

# API operator -> Django lookup.
OPERATORS = {
    "eq": "exact",
    "neq": "exact",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
    "contains": "contains",
    "icontains": "icontains",
    "startswith": "startswith",
    "istartswith": "istartswith",
    "endswith": "endswith",
    "iendswith": "iendswith",
    "in": "in",
    "notin": "in",
    "isnull": "isnull",
}
NEGATED_OPERATORS = frozenset({"neq", "notin"})
TEXT_OPERATORS = frozenset(
    {"contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"}
)
RANGE_OPERATORS = frozenset({"gt", "gte", "lt", "lte"})
LIST_OPERATORS = frozenset({"in", "notin"})
GROUPS = ("and", "or", "not")
CONDITION_KEYS = ("field", "op", "value")

_LOOKUP_CLASSES = {
    "exact": django_lookups.Exact,
    "gt": django_lookups.GreaterThan,
    "gte": django_lookups.GreaterThanOrEqual,
    "lt": django_lookups.LessThan,
    "lte": django_lookups.LessThanOrEqual,
    "in": django_lookups.In,
    "contains": django_lookups.Contains,
    "icontains": django_lookups.IContains,
    "startswith": django_lookups.StartsWith,
    "istartswith": django_lookups.IStartsWith,
    "endswith": django_lookups.EndsWith,
    "iendswith": django_lookups.IEndsWith,
}
# The text of a JSON number (as PostgreSQL's ->> and SQLite's JSON functions give it).
_NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?$"

# (model, key) -> the active custom field definitions of that key that apply.
DefinitionsLookup = Callable[[type, str], Sequence]
# A field path -> a Q of the rows on which the caller may read it (None: all of them).
FieldGuard = Callable[[str], Q | None]


class InvalidFilterError(Exception):
    """A filter definition that cannot be applied; `str()` is the message for the client."""

    def __init__(self, message: str, location: str = ""):
        self.message = message
        self.location = location
        super().__init__(
            f"{location}: {message}" if location else message[:1].upper() + message[1:]
        )


class _ToNumber(Func):
    template = "CAST(%(expressions)s AS NUMERIC)"
    output_field = DecimalField()


def _numeric(value_text):
    """The number a text holds, NULL when it holds none (never a database error)."""
    return Case(
        When(django_lookups.Regex(value_text, _NUMBER_PATTERN), then=_ToNumber(value_text)),
        default=None,
        output_field=DecimalField(),
    )


def _number_value(number):
    # Cast on both sides: SQLite would otherwise compare a number with a text parameter.
    return _ToNumber(Value(str(number)))


def _definite(condition: Q) -> Q:
    """`condition` as true or false, never NULL, so that negating it is exact."""
    return Q(
        Case(
            When(condition, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _containment_serves(field_path: FieldPath) -> bool:
    """Whether `<column> @> {"key": value}` can stand for the key's JSON equality: on a
    database with JSON containment (PostgreSQL), on a NOT NULL column of the model's own
    table (through a relation the column may be NULL, and so the condition)."""
    if not connection.features.supports_json_field_contains:
        return False
    if LOOKUP_SEP in field_path.path:
        return False
    return not field_path.field.null


class FilterParser:
    """Parses one filter definition for `model`; see the module documentation."""

    def __init__(
        self,
        model,
        allowed_fields: AllowedFields | Iterable[str],
        *,
        custom_field_definitions: DefinitionsLookup | None = None,
        field_guard: FieldGuard | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_conditions: int = DEFAULT_MAX_CONDITIONS,
    ):
        self.model = model
        if not isinstance(allowed_fields, AllowedFields):
            allowed_fields = AllowedFields(model, allowed_fields)
        self.allowed = allowed_fields
        self.custom_field_definitions = custom_field_definitions
        self.field_guard = field_guard
        self.max_depth = max_depth
        self.max_conditions = max_conditions
        self._conditions = 0

    def parse(self, definition) -> Q:
        self._conditions = 0
        return self._node(definition, "", 0)

    # ------------------------------------------------------------------- structure
    def _node(self, node, location: str, depth: int) -> Q:
        if not isinstance(node, dict):
            raise InvalidFilterError(
                f"expected an object (a condition or an and/or/not group), not {_kind(node)}",
                location,
            )
        keys = list(node)
        if any(key in node for key in CONDITION_KEYS):
            return self._condition(node, location)
        # Group keys in any letter case ("AND" is "and").
        groups = [key for key in keys if key.lower() in GROUPS]
        unknown = [key for key in keys if key.lower() not in GROUPS]
        if unknown:
            raise InvalidFilterError(
                f"unknown key {_names(unknown)}: a node is a condition "
                '{"field", "op", "value"} or one of {"and": [...]}, {"or": [...]}, {"not": {...}}',
                location,
            )
        if len(groups) != 1:
            if not groups:
                raise InvalidFilterError(
                    'empty object: a node is a condition {"field", "op", "value"} or one of '
                    '{"and": [...]}, {"or": [...]}, {"not": {...}}',
                    location,
                )
            raise InvalidFilterError(
                f"a group has exactly one of and/or/not, not {_names(groups)}; nest them instead",
                location,
            )
        children = node[groups[0]]
        group = groups[0].lower()
        depth += 1
        if depth > self.max_depth:
            raise InvalidFilterError(
                f"too deeply nested: at most {self.max_depth} levels of and/or/not",
                location,
            )
        if group == "not":
            if not isinstance(children, dict):
                raise InvalidFilterError(
                    f'"not" takes one node (an object), not {_kind(children)}', location
                )
            return ~self._node(children, _join(location, "not"), depth)
        if not isinstance(children, list):
            raise InvalidFilterError(
                f'"{group}" takes a list of nodes, not {_kind(children)}', location
            )
        if not children:
            return Q()  # an empty and/or is no condition
        combined = None
        for index, child in enumerate(children):
            q = self._node(child, _join(location, f"{group}[{index}]"), depth)
            if combined is None:
                combined = q
            elif group == "and":
                combined &= q
            else:
                combined |= q
        return combined

    def _condition(self, node: dict, location: str) -> Q:
        missing = [key for key in CONDITION_KEYS if key not in node]
        if missing:
            raise InvalidFilterError(
                f'a condition needs "field", "op" and "value"; missing {_names(missing)}'
                + (' (isnull takes "value": true or false)' if "value" in missing else ""),
                location,
            )
        extra = [key for key in node if key not in CONDITION_KEYS]
        if extra:
            raise InvalidFilterError(
                f'unknown key {_names(extra)} in a condition (it has "field", "op" and '
                '"value" only; combine conditions with and/or/not)',
                location,
            )
        self._conditions += 1
        if self._conditions > self.max_conditions:
            raise InvalidFilterError(
                f"too many conditions: at most {self.max_conditions}", location
            )
        field_name, op, value = node["field"], node["op"], node["value"]
        if not isinstance(field_name, str) or not field_name:
            raise InvalidFilterError(
                f'"field" must be a field name, not {describe(field_name)}', location
            )
        # Operators in any letter case ("EQ" is "eq").
        if not isinstance(op, str) or op.lower() not in OPERATORS:
            raise InvalidFilterError(
                f"unknown operator {describe(op)}; operators: {', '.join(OPERATORS)}", location
            )
        op = op.lower()
        field_path = self.allowed.get(field_name)
        if field_path is None:
            raise InvalidFilterError(self._not_allowed(field_name), location)
        try:
            value = self._value(field_path, op, value)
        except ValueProblem as exc:
            raise InvalidFilterError(
                f'field "{field_name}", operator "{op}": {exc}', location
            ) from exc
        q = self._compile(field_path, op, value)
        if self.field_guard is not None:
            readable = self.field_guard(field_name)
            if readable is not None:
                q &= readable
        return q

    def _not_allowed(self, field_name: str) -> str:
        if field_name in self.allowed.entries:
            return f'"{field_name}" is compared by key: use "{field_name}__<key>"'
        names = self.allowed.names()
        return (
            f'field "{field_name}" cannot be used in a filter on this endpoint; '
            f"allowed fields: {', '.join(names)}"
        )

    # ---------------------------------------------------------------------- values
    def _value(self, field_path: FieldPath, op: str, value):
        if op == "isnull":
            if not isinstance(value, bool):
                raise ValueProblem(f"isnull takes true or false, not {describe(value)}.")
            return value
        if op in LIST_OPERATORS:
            if not isinstance(value, list):
                raise ValueProblem(f"expected a list of values, not {_kind(value)}.")
            if not value:
                raise ValueProblem("the list of values is empty.")
            if len(value) > MAX_LIST_VALUES:
                raise ValueProblem(f"at most {MAX_LIST_VALUES} values, not {len(value)}.")
            converted = []
            for index, item in enumerate(value):
                if item is None:
                    raise ValueProblem(
                        f'value [{index}] is null; test for null with "isnull" instead.'
                    )
                if isinstance(item, list | dict):
                    raise ValueProblem(f"value [{index}] is {_kind(item)}, not a single value.")
                try:
                    converted.append(self._scalar(field_path, op, item))
                except ValueProblem as exc:
                    raise ValueProblem(f"value [{index}]: {exc}") from exc
            return converted
        if value is None:
            hint = ' instead: {"op": "isnull", "value": true}' if op in ("eq", "neq") else ""
            raise ValueProblem(f'null is not a value to compare with; use "isnull"{hint}.')
        if isinstance(value, list | dict):
            raise ValueProblem(f"expected a single value, not {_kind(value)}.")
        return self._scalar(field_path, op, value)

    def _scalar(self, field_path: FieldPath, op: str, value):
        if isinstance(value, float):
            # Definitions parsed elsewhere than by the backend: numbers as exact decimals.
            value = Decimal(repr(value))
        if field_path.is_custom_field:
            if op in TEXT_OPERATORS:
                if not isinstance(value, str):
                    raise ValueProblem(f"{op} takes a text, not {describe(value)}.")
                return value
            converted = coerce_custom_value(self._definitions(field_path), value)
            if op in RANGE_OPERATORS and isinstance(converted, bool):
                raise ValueProblem(f"{op} does not compare true/false values.")
            return converted
        field = field_path.field
        if op in TEXT_OPERATORS:
            if not is_text_field(field):
                raise ValueProblem(f"{op} applies to text fields only.")
            if not isinstance(value, str):
                raise ValueProblem(f"{op} takes a text, not {describe(value)}.")
            return value
        if op in RANGE_OPERATORS and isinstance(field, BooleanField):
            raise ValueProblem(f"{op} does not compare true/false values.")
        converted = coerce_model_value(field, value)
        if op in ("eq", "neq", "in", "notin"):
            check_choice(field, converted)
        return converted

    def _definitions(self, field_path: FieldPath):
        if self.custom_field_definitions is None:
            return ()
        return self.custom_field_definitions(field_path.model, field_path.key)

    # --------------------------------------------------------------------- compile
    def _compile(self, field_path: FieldPath, op: str, value) -> Q:
        lookup = OPERATORS[op]
        if field_path.is_custom_field:
            q = self._custom_field_condition(field_path, lookup, value)
        elif lookup in ("exact", "in") and _is_tag_name(field_path.field):
            # Tag names match in any letter case, as `?tags=` and taggit store them.
            q = Q()
            for name in value if lookup == "in" else [value]:
                q |= Q(**{f"{field_path.lookup}__iexact": name})
        else:
            q = Q(**{f"{field_path.lookup}__{lookup}": value})
        if field_path.multi_valued:
            q = Q(pk__in=self.model._default_manager.filter(q).values("pk"))
        return ~q if op in NEGATED_OPERATORS else q

    def _custom_field_condition(self, field_path: FieldPath, lookup: str, value) -> Q:
        key_path = f"{field_path.path}__{field_path.key}"
        if lookup == "isnull":
            # A missing key or a JSON null.
            missing = Q(**{f"{key_path}__isnull": True}) | Q(**{key_path: None})
            condition = _definite(missing)
            return condition if value else ~condition
        text = KeyTextTransform(field_path.key, field_path.path)
        values = value if lookup == "in" else [value]
        numbers = [to_number(item) for item in values]
        if lookup in TEXT_OPERATORS:
            condition = Q(_LOOKUP_CLASSES[lookup](text, value))
        elif lookup in RANGE_OPERATORS:
            if numbers[0] is not None:
                condition = Q(_LOOKUP_CLASSES[lookup](_numeric(text), _number_value(numbers[0])))
            else:
                # Texts (and ISO dates) compare as texts.
                condition = Q(_LOOKUP_CLASSES[lookup](text, value))
        else:
            numeric = [number for number in numbers if number is not None]
            others = [item for item, number in zip(values, numbers, strict=True) if number is None]
            condition = Q()
            if numeric:
                condition |= Q(
                    django_lookups.In(_numeric(text), [_number_value(number) for number in numeric])
                )
            if others:
                # Texts and true/false: JSON equality (a text never equals a number).
                if not numeric and _containment_serves(field_path):
                    # As containment, which the GIN index on the column serves
                    # (core.search_indexes), the same for texts and true/false: a
                    # JSON object holds the key with that value. Never NULL on a NOT
                    # NULL column of the model's own table.
                    contained = Q()
                    for item in others:
                        contained |= Q(**{f"{field_path.path}__contains": {field_path.key: item}})
                    return contained
                condition |= Q(**{f"{key_path}__in": others})
        return _definite(condition)

    @property
    def conditions(self) -> int:
        """How many conditions the last parse read."""
        return self._conditions


def parse_filter(definition, *, model, allowed_fields, **options) -> Q:
    """Q of a parsed JSON filter `definition` on `model`; InvalidFilterError when it is
    not a valid filter on the `allowed_fields`. `options`: see FilterParser."""
    return FilterParser(model, allowed_fields, **options).parse(definition)


def _is_tag_name(field) -> bool:
    return field is not None and field.name == "name" and issubclass(field.model, TagBase)


def _join(location: str, step: str) -> str:
    return f"{location}.{step}" if location else step


def _names(keys) -> str:
    return ", ".join(describe(key) for key in keys)


def _kind(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a text"
    return "a number"
