"""Rule conditions: the filter language (core.filtering), with before values and changes.

A condition is a node of the filter language on the rule's model, the same fields as the
model's list accepts in `?filter=` (its API view's), and more:

    {"field": "status", "op": "eq", "value": "ACTIVE"}             the record after the change
    {"field": "before.status", "op": "eq", "value": "DRAFT"}       the value before it
    {"field": "status", "op": "changed", "value": true}
    {"field": "status", "op": "changed_from", "value": "DRAFT"}
    {"field": "status", "op": "changed_to", "value": "ACTIVE"}
    {"field": "price", "op": "increased_by", "value": "10%"}       more than 10% (or a number)
    {"field": "price", "op": "decreased_by", "value": 5}
    {"and": [...]}  {"or": [...]}  {"not": {...}}

Where the values come from: the record's own fields (and custom fields) are read from the
change event's snapshots (exactly the values before and after the change); paths through
relations (`category__name`, `tags__name`) are asked of the database, one query for all
of a rule's conditions. For a deleted record every path reads the values it had. Timed
rules (schedules, relative times) select records by their conditions in the database,
so `before.` paths and change operators are for change triggers only.

Everything is checked when the rule is saved (`compile_condition`): an unknown path, a
value that does not fit its field, an operator the trigger cannot have is an
InvalidFilterError naming where it is. Masked fields (passwords, tokens: settings.AUDIT)
cannot be used.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.fields.json import JSONField

from audit import registry as audit_registry
from core.filtering.access import CustomFieldDefinitions
from core.filtering.parser import (
    GROUPS,
    TEXT_OPERATORS,
    FilterParser,
    InvalidFilterError,
)
from core.filtering.values import ValueProblem, describe, to_number

from .choices import Trigger

BEFORE = "before."
CHANGE_OPERATORS = ("changed", "changed_from", "changed_to", "increased_by", "decreased_by")


# ------------------------------------------------------------------------ the tree


@dataclass(frozen=True)
class Group:
    kind: str  # "and", "or", "not"
    children: tuple

    def evaluate(self, state) -> bool:
        if self.kind == "not":
            return not self.children[0].evaluate(state)
        results = (child.evaluate(state) for child in self.children)
        return all(results) if self.kind == "and" else any(results)


@dataclass(frozen=True)
class InDatabase:
    """A condition through a relation: asked of the database (State.database)."""

    q: Q
    index: int
    paths: tuple = ()  # the first name of the path it reads

    def evaluate(self, state) -> bool:
        return bool(state.database.get(self.index, False))


@dataclass(frozen=True)
class OnValue:
    """A condition on a field of the record, before or after the change."""

    side: str  # "before" or "after"
    name: str  # the field's name (the snapshot's key)
    key: str | None  # a custom field's key
    field: object  # the model field values are converted with (None: a custom field)
    op: str
    value: object

    def evaluate(self, state) -> bool:
        snapshot = state.before if self.side == "before" else state.after
        return compare(self.op, _read(snapshot, self.name, self.key, self.field), self.value)


@dataclass(frozen=True)
class OnChange:
    name: str
    key: str | None
    field: object
    op: str
    value: object

    def evaluate(self, state) -> bool:
        old = _read(state.before, self.name, self.key, self.field)
        new = _read(state.after, self.name, self.key, self.field)
        changed = old != new
        if self.op == "changed":
            return changed is self.value
        if self.op == "changed_from":
            return changed and compare("eq", old, self.value)
        if self.op == "changed_to":
            return changed and compare("eq", new, self.value)
        old, new = _number(old), _number(new)
        if old is None or new is None:
            return False
        amount, percent = self.value
        difference = new - old if self.op == "increased_by" else old - new
        if percent:
            return old != 0 and difference * 100 / abs(old) > amount
        return difference > amount


@dataclass
class State:
    """What conditions are evaluated on: the snapshots and the database's answers."""

    before: dict | None
    after: dict | None
    database: dict  # {InDatabase.index: bool}


@dataclass(frozen=True)
class Compiled:
    """A rule's conditions, ready to evaluate."""

    nodes: tuple  # one per condition
    database: tuple  # the InDatabase leaves, by index

    def fields(self) -> set[str]:
        """The record's fields the conditions read (the first name of each path)."""
        found = set()

        def walk(node):
            if isinstance(node, Group):
                for child in node.children:
                    walk(child)
            elif isinstance(node, InDatabase):
                found.update(node.paths)
            else:
                found.add(node.name)

        for node in self.nodes:
            walk(node)
        return found

    def results(self, model, pk, before, after) -> list[bool]:
        """Each condition's result for the record `pk` (None when it is gone)."""
        answers = {}
        if self.database:
            row = None
            if pk is not None:
                row = (
                    model._default_manager.filter(pk=pk)
                    .annotate(
                        **{
                            f"_c{leaf.index}": Case(
                                When(leaf.q, then=Value(True)),
                                default=Value(False),
                                output_field=BooleanField(),
                            )
                            for leaf in self.database
                        }
                    )
                    .values(*(f"_c{leaf.index}" for leaf in self.database))
                    .first()
                )
            answers = {leaf.index: bool(row and row[f"_c{leaf.index}"]) for leaf in self.database}
        state = State(before=before, after=after, database=answers)
        return [node.evaluate(state) for node in self.nodes]

    def queryset_filter(self, any_of: bool = False) -> Q:
        """For timed rules (every leaf in the database): the conditions as one Q, all
        of them or (`any_of`) any."""
        combined = Q()
        for node in self.nodes:
            combined = combined | self._q(node) if any_of else combined & self._q(node)
        return combined

    def _q(self, node) -> Q:
        if isinstance(node, InDatabase):
            return node.q
        children = [self._q(child) for child in node.children]
        if node.kind == "not":
            return ~children[0]
        combined = Q()
        for child in children:
            combined = combined & child if node.kind == "and" else combined | child
        return combined


# --------------------------------------------------------------------- comparisons


def _read(snapshot, name, key, field):
    if not snapshot:
        return None
    value = snapshot.get(name)
    if key is not None:
        return value.get(key) if isinstance(value, dict) else None
    if value is None or field is None:
        return value
    try:
        return field.to_python(value)
    except Exception:  # a masked or unreadable value compares as nothing
        return None


def _number(value):
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _comparable(actual, expected):
    """The two values in one kind: numbers as Decimal, dates and times as themselves."""
    if isinstance(expected, Decimal | int) and not isinstance(expected, bool):
        return _number(actual), Decimal(expected)
    if isinstance(expected, datetime.datetime) and isinstance(actual, datetime.datetime):
        return actual, expected
    return actual, expected


def compare(op: str, actual, expected) -> bool:
    """The filter language's operator `op` on a value in Python (as the database does:
    a null value matches only isnull, neq and notin)."""
    if op == "isnull":
        return (actual is None) is expected
    if op in ("in", "notin"):
        found = any(compare("eq", actual, each) for each in expected)
        return found if op == "in" else not found
    if op == "neq":
        return not compare("eq", actual, expected)
    if actual is None:
        return False
    if op in TEXT_OPERATORS:
        text, wanted = str(actual), str(expected)
        if op.startswith("i"):
            text, wanted = text.casefold(), wanted.casefold()
        kind = op.removeprefix("i")
        if kind == "contains":
            return wanted in text
        if kind == "startswith":
            return text.startswith(wanted)
        return text.endswith(wanted)
    actual, expected = _comparable(actual, expected)
    if actual is None:
        return False
    try:
        if op == "eq":
            return actual == expected
        if op == "gt":
            return actual > expected
        if op == "gte":
            return actual >= expected
        if op == "lt":
            return actual < expected
        return actual <= expected  # lte
    except TypeError:
        return False


# ------------------------------------------------------------------------ compiling


class ConditionCompiler(FilterParser):
    """Reads the conditions of a rule on `model` with `trigger` (see the module)."""

    def __init__(self, model, allowed_fields, *, trigger: str, organization_id):
        super().__init__(
            model,
            allowed_fields,
            custom_field_definitions=CustomFieldDefinitions([organization_id]),
        )
        self.trigger = trigger
        spec = audit_registry.get(model)
        self.masked = spec.masked if spec is not None else set()
        self._database = []

    def compile(self, definitions) -> Compiled:
        self._database = []
        self._conditions = 0
        nodes = tuple(
            self._tree(definition, f"conditions[{index}]", 0)
            for index, definition in enumerate(definitions)
        )
        return Compiled(nodes=nodes, database=tuple(self._database))

    def _tree(self, node, location: str, depth: int):
        if not isinstance(node, dict):
            raise InvalidFilterError(
                f"expected an object (a condition or an and/or/not group), not {describe(node)}",
                location,
            )
        if any(key in node for key in ("field", "op", "value")):
            return self._leaf(node, location)
        groups = [key for key in node if key.lower() in GROUPS]
        if len(groups) != 1 or len(node) != 1:
            # The filter language's own message for a malformed group.
            super()._node(node, location, depth)
        group = groups[0].lower()
        children = node[groups[0]]
        if depth + 1 > self.max_depth:
            raise InvalidFilterError(
                f"too deeply nested: at most {self.max_depth} levels of and/or/not", location
            )
        if group == "not":
            if not isinstance(children, dict):
                raise InvalidFilterError(
                    f'"not" takes one node (an object), not {describe(children)}', location
                )
            return Group("not", (self._tree(children, f"{location}.not", depth + 1),))
        if not isinstance(children, list):
            raise InvalidFilterError(
                f'"{group}" takes a list of nodes, not {describe(children)}', location
            )
        if not children:
            return Group("and", ())  # an empty and/or is no condition
        return Group(
            group,
            tuple(
                self._tree(child, f"{location}.{group}[{index}]", depth + 1)
                for index, child in enumerate(children)
            ),
        )

    def _leaf(self, node: dict, location: str):
        field_name, op = node.get("field"), node.get("op")
        if isinstance(op, str) and op.lower() in CHANGE_OPERATORS:
            return self._change(node, location)
        before = isinstance(field_name, str) and field_name.startswith(BEFORE)
        if before:
            if self.trigger not in (Trigger.UPDATED, Trigger.DELETED, Trigger.TRANSITIONED):
                raise InvalidFilterError(
                    f'"{field_name}": only updates, deletions and transitions have values '
                    "before the change",
                    location,
                )
            node = {**node, "field": field_name.removeprefix(BEFORE)}
        self._check_masked(node.get("field"), location)
        # The filter language checks the path, the operator and the value.
        q = FilterParser._condition(self, node, location)
        field_path = self.allowed.get(node["field"])
        local = _is_local(field_path)
        if before or (self.trigger == Trigger.DELETED):
            if not local:
                raise InvalidFilterError(
                    f'"{node["field"]}" goes through a relation: a deleted record\'s (or a '
                    "value before the change's) relations cannot be read; use the record's "
                    "own fields",
                    location,
                )
            return self._on_value("before", field_path, node, location)
        if local and self.trigger not in (Trigger.SCHEDULE, Trigger.RELATIVE_TIME):
            return self._on_value("after", field_path, node, location)
        leaf = InDatabase(q=q, index=len(self._database), paths=(field_path.path.split("__")[0],))
        self._database.append(leaf)
        return leaf

    def _on_value(self, side, field_path, node, location) -> OnValue:
        op = node["op"].lower()
        value = self._checked(field_path, op, node["value"], node["field"], location)
        return OnValue(
            side=side,
            name=field_path.path,
            key=field_path.key,
            field=None if field_path.is_custom_field else _snapshot_field(field_path),
            op=op,
            value=value,
        )

    def _change(self, node: dict, location: str) -> OnChange:
        missing = [key for key in ("field", "op", "value") if key not in node]
        if missing:
            raise InvalidFilterError(
                f'a condition needs "field", "op" and "value"; missing {", ".join(missing)}',
                location,
            )
        field_name, op, value = node["field"], node["op"].lower(), node["value"]
        if self.trigger not in (Trigger.UPDATED, Trigger.TRANSITIONED):
            raise InvalidFilterError(
                f'"{op}" compares a value before and after a change: only updates and '
                "transitions have both",
                location,
            )
        if not isinstance(field_name, str) or field_name.startswith(BEFORE):
            raise InvalidFilterError(
                f'"{op}" takes a field of the record, not a before value', location
            )
        self._check_masked(field_name, location)
        field_path = self.allowed.get(field_name)
        if field_path is None:
            raise InvalidFilterError(self._not_allowed(field_name), location)
        if not _is_local(field_path):
            raise InvalidFilterError(
                f'"{field_name}" goes through a relation: changes are of the record\'s own fields',
                location,
            )
        if op == "changed":
            if not isinstance(value, bool):
                raise InvalidFilterError(
                    f'field "{field_name}", operator "changed": takes true or false, not '
                    f"{describe(value)}",
                    location,
                )
        elif op in ("changed_from", "changed_to"):
            value = self._checked(field_path, "eq", value, field_name, location)
        else:
            value = self._amount(field_path, op, value, field_name, location)
        return OnChange(
            name=field_path.path,
            key=field_path.key,
            field=None if field_path.is_custom_field else _snapshot_field(field_path),
            op=op,
            value=value,
        )

    def _checked(self, field_path, op, value, field_name, location):
        try:
            return self._value(field_path, op, value)
        except ValueProblem as exc:
            raise InvalidFilterError(
                f'field "{field_name}", operator "{op}": {exc}', location
            ) from exc

    def _amount(self, field_path, op, value, field_name, location):
        field = field_path.field
        numeric = field_path.is_custom_field or field.get_internal_type() in NUMERIC_FIELDS
        percent = isinstance(value, str) and value.strip().endswith("%")
        text = value.strip().removesuffix("%") if isinstance(value, str) else value
        amount = to_number(text) if not isinstance(text, str) else _number(text)
        if not numeric or amount is None or amount < 0:
            raise InvalidFilterError(
                f'field "{field_name}", operator "{op}": takes a positive number or a '
                f'percentage ("10%") of a number field, not {describe(value)}',
                location,
            )
        return (amount, percent)

    def _check_masked(self, field_name, location):
        if isinstance(field_name, str) and field_name.split("__")[0] in self.masked:
            raise InvalidFilterError(f'"{field_name}" is a secret: rules cannot read it', location)


NUMERIC_FIELDS = {
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "DecimalField",
    "FloatField",
}


def _is_local(field_path) -> bool:
    """Whether the path is one of the record's own fields (or custom fields)."""
    return not field_path.multi_valued and "__" not in field_path.path


def _snapshot_field(field_path):
    """The field a snapshot value of the path is converted with: the field itself (for a
    foreign key, whose snapshot holds the id, the related primary key: FieldPath.field)."""
    return None if isinstance(field_path.field, JSONField) else field_path.field
