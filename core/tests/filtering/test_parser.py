"""The filter language, without a database: definitions -> Q objects, and every error."""

import datetime
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

from api.v1.base_models.common.models import TaxRate
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization
from core.filtering.parser import OPERATORS, FilterParser, InvalidFilterError, parse_filter
from core.filtering.paths import AllowedFields
from core.filtering.values import ValueProblem, coerce_custom_value, coerce_model_value

ORGANIZATION_FIELDS = (
    "name",
    "code",
    "status",
    "organization_type",
    "organization_type__name",
    "parent",
    "level",
    "effective_date",
    "tags__name",
    "children__name",
    "created_at",
    "custom_fields",
)
RATE_FIELDS = ("name", "rate", "priority", "is_compound", "valid_from", "jurisdiction__code")


def parse(definition, fields=ORGANIZATION_FIELDS, model=Organization, **options):
    return parse_filter(definition, model=model, allowed_fields=fields, **options)


def cond(field, op, value):
    return {"field": field, "op": op, "value": value}


def error(definition, fields=ORGANIZATION_FIELDS, model=Organization, **options) -> str:
    """The message of the error, without its location."""
    with pytest.raises(InvalidFilterError) as caught:
        parse(definition, fields, model, **options)
    return caught.value.message


def full_error(definition, fields=ORGANIZATION_FIELDS, model=Organization, **options) -> str:
    """The message as the client reads it."""
    with pytest.raises(InvalidFilterError) as caught:
        parse(definition, fields, model, **options)
    return str(caught.value)


def subquery_of(q: Q):
    """The queryset of a `pk__in` condition (multi-valued paths)."""
    (child,) = q.children
    lookup, queryset = child
    assert lookup == "pk__in"
    return queryset


# ------------------------------------------------------------------------- operators
@pytest.mark.parametrize(
    ("op", "lookup"),
    [
        ("eq", "exact"),
        ("contains", "contains"),
        ("icontains", "icontains"),
        ("startswith", "startswith"),
        ("istartswith", "istartswith"),
        ("endswith", "endswith"),
        ("iendswith", "iendswith"),
    ],
)
def test_text_operators_map_to_their_lookup(op, lookup):
    assert parse(cond("name", op, "Acme")) == Q(**{f"name__{lookup}": "Acme"})


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
def test_comparisons_map_to_their_lookup(op):
    assert parse(cond("level", op, 2)) == Q(**{f"level__{op}": 2})
    assert parse(cond("name", op, "M")) == Q(**{f"name__{op}": "M"})


def test_neq_is_the_negated_exact_lookup():
    assert parse(cond("code", "neq", "ACME")) == ~Q(code__exact="ACME")


def test_in_and_notin_take_lists():
    assert parse(cond("code", "in", ["A", "B"])) == Q(code__in=["A", "B"])
    assert parse(cond("code", "notin", ["A", "B"])) == ~Q(code__in=["A", "B"])


@pytest.mark.parametrize("value", [True, False])
def test_isnull_takes_a_boolean(value):
    assert parse(cond("parent", "isnull", value)) == Q(parent__id__isnull=value)
    assert parse(cond("effective_date", "isnull", value)) == Q(effective_date__isnull=value)


def test_every_operator_is_covered_above():
    assert set(OPERATORS) == {
        "eq",
        "neq",
        "gt",
        "gte",
        "lt",
        "lte",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "in",
        "notin",
        "isnull",
    }


# ----------------------------------------------------------------------- value types
def test_integers_from_numbers_and_texts():
    assert parse(cond("priority", "gte", 3), RATE_FIELDS, TaxRate) == Q(priority__gte=3)
    assert parse(cond("priority", "eq", "3"), RATE_FIELDS, TaxRate) == Q(priority__exact=3)
    # 3.0 is a whole number.
    assert parse(cond("priority", "eq", 3.0), RATE_FIELDS, TaxRate) == Q(priority__exact=3)


def test_decimals_are_exact():
    assert parse(cond("rate", "gt", 0.1), RATE_FIELDS, TaxRate) == Q(rate__gt=Decimal("0.1"))
    assert parse(cond("rate", "lt", "7.25"), RATE_FIELDS, TaxRate) == Q(rate__lt=Decimal("7.25"))
    assert parse(cond("rate", "in", [1, 2.5]), RATE_FIELDS, TaxRate) == Q(
        rate__in=[Decimal(1), Decimal("2.5")]
    )


def test_booleans():
    assert parse(cond("is_compound", "eq", True), RATE_FIELDS, TaxRate) == Q(
        is_compound__exact=True
    )
    assert parse(cond("is_compound", "neq", False), RATE_FIELDS, TaxRate) == ~Q(
        is_compound__exact=False
    )


def test_dates_from_iso_strings():
    assert parse(cond("valid_from", "lte", "2025-01-31"), RATE_FIELDS, TaxRate) == Q(
        valid_from__lte=datetime.date(2025, 1, 31)
    )


def test_datetimes_from_iso_strings_are_aware():
    utc = datetime.UTC
    assert parse(cond("created_at", "gte", "2025-01-31T10:00:00+02:00")) == Q(
        created_at__gte=datetime.datetime(2025, 1, 31, 8, tzinfo=utc)
    )
    # Without an offset: the server's time zone (UTC); a date alone: its midnight.
    naive = parse(cond("created_at", "lt", "2025-01-31T10:00:00"))
    assert naive == Q(created_at__lt=datetime.datetime(2025, 1, 31, 10, tzinfo=utc))
    assert parse(cond("created_at", "lt", "2025-01-31")) == Q(
        created_at__lt=datetime.datetime(2025, 1, 31, tzinfo=utc)
    )


def test_uuids_from_strings():
    field = models.UUIDField()
    value = uuid.uuid4()
    assert coerce_model_value(field, str(value)) == value
    with pytest.raises(ValueProblem, match="UUID"):
        coerce_model_value(field, "not-a-uuid")
    with pytest.raises(ValueProblem, match="expected a text"):
        coerce_model_value(field, 5)


def test_a_path_ending_on_a_relation_takes_the_related_primary_key():
    # organization_type's primary key is its name; parent's is an integer id.
    assert parse(cond("organization_type", "eq", "Company")) == Q(
        organization_type__name__exact="Company"
    )
    assert parse(cond("organization_type", "icontains", "comp")) == Q(
        organization_type__name__icontains="comp"
    )
    assert parse(cond("parent", "in", [1, "2"])) == Q(parent__id__in=[1, 2])


def test_related_fields():
    assert parse(cond("organization_type__name", "istartswith", "Cust")) == Q(
        organization_type__name__istartswith="Cust"
    )
    assert parse(cond("jurisdiction__code", "eq", "US-CA"), RATE_FIELDS, TaxRate) == Q(
        jurisdiction__code__exact="US-CA"
    )


def test_choices_are_checked_for_equality_but_not_for_text_operators():
    assert parse(cond("status", "in", ["active", "inactive"])) == Q(
        status__in=["active", "inactive"]
    )
    assert parse(cond("status", "icontains", "ACT")) == Q(status__icontains="ACT")
    message = error(cond("status", "eq", "bogus"))
    assert '"bogus" is not one of the choices: active, inactive' in message


# --------------------------------------------------------------- multi-valued paths
def test_multi_valued_paths_are_subqueries_of_the_same_model():
    q = parse(cond("tags__name", "eq", "vip"))
    queryset = subquery_of(q)
    assert queryset.model is Organization
    assert "taggit_tag" in queryset.query.alias_map
    assert queryset.query.values_select == ("pk",)


def test_negated_multi_valued_conditions_mean_no_related_row_matches():
    q = parse(cond("tags__name", "neq", "vip"))
    assert q.negated
    assert subquery_of(q).model is Organization
    q = parse(cond("children__name", "notin", ["A"]))
    assert q.negated


def test_two_conditions_on_a_multi_valued_path_are_two_subqueries():
    q = parse({"and": [cond("tags__name", "eq", "a"), cond("tags__name", "eq", "b")]})
    assert q.connector == Q.AND
    assert len(q.children) == 2
    assert all(child[0] == "pk__in" for child in q.children)


def test_reverse_relations_are_multi_valued():
    q = parse(
        cond("email_addresses__email", "iendswith", "@example.com"),
        ["email_addresses__email"],
        Contact,
    )
    assert subquery_of(q).model is Contact


# ------------------------------------------------------------------ nesting, negation
def test_and_or_not_nest():
    q = parse(
        {
            "and": [
                cond("name", "icontains", "acme"),
                {"or": [cond("code", "eq", "A"), {"not": cond("status", "eq", "inactive")}]},
            ]
        }
    )
    assert q == Q(name__icontains="acme") & (Q(code__exact="A") | ~Q(status__exact="inactive"))


def test_not_negates_a_group():
    q = parse({"not": {"or": [cond("code", "eq", "A"), cond("code", "eq", "B")]}})
    assert q == ~(Q(code__exact="A") | Q(code__exact="B"))


def test_double_negation():
    assert parse({"not": {"not": cond("code", "eq", "A")}}) == ~~Q(code__exact="A")


def test_a_group_of_one_is_its_node():
    assert parse({"and": [cond("code", "eq", "A")]}) == Q(code__exact="A")
    assert parse({"or": [cond("code", "eq", "A")]}) == Q(code__exact="A")


# ---------------------------------------------------------------------------- limits
def nested(levels: int):
    node = cond("code", "eq", "A")
    for _level in range(levels):
        node = {"not": node}
    return node


def test_depth_up_to_the_limit_is_accepted():
    parse(nested(5))
    parse(nested(3), max_depth=3)


def test_deeper_is_refused_naming_the_limit():
    assert "too deeply nested: at most 5 levels" in error(nested(6))
    assert "at most 2 levels" in error(nested(3), max_depth=2)


def test_conditions_up_to_the_limit_are_accepted():
    parse({"or": [cond("code", "eq", str(n)) for n in range(30)]})


def test_more_conditions_are_refused_naming_the_limit():
    message = full_error({"or": [cond("code", "eq", str(n)) for n in range(31)]})
    assert message == "or[30]: too many conditions: at most 30"
    assert "at most 2" in error({"or": [cond("code", "eq", "A")] * 3}, max_conditions=2)


def test_the_parser_counts_conditions_of_each_parse_afresh():
    parser = FilterParser(Organization, ORGANIZATION_FIELDS, max_conditions=2)
    for _attempt in range(3):
        parser.parse({"and": [cond("code", "eq", "A"), cond("name", "eq", "B")]})
    assert parser.conditions == 2


# ---------------------------------------------------------------------- shape errors
@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (
            [cond("code", "eq", "A")],
            "expected an object (a condition or an and/or/not group), not a list",
        ),
        ("code", "not a text"),
        (5, "not a number"),
        (None, "not null"),
        ({}, "empty object"),
        ({"ANDS": [cond("code", "eq", "A")]}, 'unknown key "ANDS"'),
        ({"and": [], "OR": []}, 'exactly one of and/or/not, not "and", "OR"'),
        (
            {"and": [cond("code", "eq", "A")], "or": [cond("code", "eq", "B")]},
            'exactly one of and/or/not, not "and", "or"',
        ),
        ({"and": cond("code", "eq", "A")}, '"and" takes a list of nodes, not an object'),
        ({"not": [cond("code", "eq", "A")]}, '"not" takes one node (an object), not a list'),
        ({"field": "code", "op": "eq"}, 'missing "value" (isnull takes "value": true or false)'),
        ({"op": "eq", "value": "A"}, 'missing "field"'),
        ({"field": "code", "value": "A"}, 'missing "op"'),
        ({**cond("code", "eq", "A"), "and": []}, 'unknown key "and" in a condition'),
        ({**cond("code", "eq", "A"), "negate": True}, 'unknown key "negate" in a condition'),
        (cond("code", "like", "A"), 'unknown operator "like"; operators: eq, neq, gt'),
        (cond("code", "LIKE", "A"), 'unknown operator "LIKE"'),
        (cond("code", ["eq"], "A"), 'unknown operator ["eq"]'),
        (cond(5, "eq", "A"), '"field" must be a field name, not 5'),
        (cond("", "eq", "A"), '"field" must be a field name, not ""'),
    ],
)
def test_malformed_nodes_are_refused_saying_why(definition, expected):
    assert expected in error(definition)


def test_group_keys_and_operators_in_any_letter_case():
    assert parse({"AND": [cond("code", "EQ", "A"), {"Not": cond("name", "IContains", "b")}]}) == (
        parse({"and": [cond("code", "eq", "A"), {"not": cond("name", "icontains", "b")}]})
    )


def test_an_empty_and_or_or_is_no_condition():
    assert parse({"and": []}) == Q()
    assert parse({"or": []}) == Q()
    assert parse({"and": [cond("code", "eq", "A"), {"or": []}]}) == Q(code__exact="A")


def test_errors_say_where_they_are():
    message = full_error({"and": [cond("code", "eq", "A"), {"or": [cond("code", "bogus", "B")]}]})
    assert message.startswith('and[1].or[0]: unknown operator "bogus"')
    assert full_error({"not": {"and": [7]}}).startswith("not.and[0]: expected an object")
    # At the top level: no location, a capitalised message.
    assert full_error(cond("code", "bogus", "A")).startswith('Unknown operator "bogus"')


# ---------------------------------------------------------------------- field errors
def test_a_field_that_is_not_allowed_is_refused_listing_the_allowed_ones():
    message = error(cond("metadata", "eq", "x"))
    assert 'field "metadata" cannot be used in a filter on this endpoint' in message
    assert "allowed fields: name, code, status" in message
    assert "custom_fields__<key>" in message


def test_allowed_paths_match_exactly():
    # organization_type__name is allowed; going on from there is not.
    message = error(cond("organization_type__organizations__name", "eq", "Other org"))
    assert "cannot be used in a filter" in message
    # Nor is a prefix of an allowed path, or another lookup spelled into the path.
    assert "cannot be used" in error(cond("tags", "eq", 1))
    assert "cannot be used" in error(cond("name__icontains", "eq", "x"))


def test_custom_fields_are_compared_by_key():
    assert 'use "custom_fields__<key>"' in error(cond("custom_fields", "eq", "x"))
    for bad_key in ("custom_fields__a-b", "custom_fields__a__b", "custom_fields__1a"):
        assert "cannot be used in a filter" in error(cond(bad_key, "eq", "x"))
    parse(cond("custom_fields__shoe_size", "eq", 42))
    parse(cond("custom_fields__Contains", "eq", "x"))


def test_without_the_custom_fields_entry_no_key_is_allowed():
    assert "cannot be used" in error(cond("custom_fields__size", "eq", 1), ("name",))


def test_an_allowed_entry_that_leads_nowhere_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match=r'"nmae" allowed on organization\.organization'):
        parse(cond("nmae", "eq", "x"), ("nmae",))
    with pytest.raises(ImproperlyConfigured, match="is not a relation"):
        AllowedFields(Organization, ["name__first"]).check()
    with pytest.raises(ImproperlyConfigured, match="cannot be filtered"):
        AllowedFields(Contact, ["tagged_items__content_object"]).check()


# ---------------------------------------------------------------------- value errors
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("priority", "eq", "abc"), '"abc" is not a whole number'),
        (cond("priority", "eq", 2.5), "2.5 is not a whole number"),
        (cond("priority", "eq", True), "true and false apply to boolean fields only"),
        (cond("priority", "eq", 2**70), "1180591620717411303424 is out of range for this field"),
        (
            cond("priority", "lt", -(10**40)),
            "-1000000000000000000... is out of range for this field",
        ),
        (cond("priority", "eq", [1, 2]), "expected a single value, not a list"),
        (cond("priority", "gt", {"value": 1}), "expected a single value, not an object"),
        (cond("priority", "in", 1), "expected a list of values, not a number"),
        (cond("priority", "notin", "1,2"), "expected a list of values, not a text"),
        (cond("priority", "in", []), "the list of values is empty"),
        (cond("priority", "in", list(range(101))), "at most 100 values, not 101"),
        (cond("priority", "in", [1, None]), 'value [1] is null; test for null with "isnull"'),
        (cond("priority", "in", [1, [2]]), "value [1] is a list, not a single value"),
        (cond("priority", "in", [1, "x"]), 'value [1]: "x" is not a whole number'),
        (cond("priority", "isnull", "yes"), 'isnull takes true or false, not "yes"'),
        (cond("priority", "isnull", 1), "isnull takes true or false, not 1"),
        (cond("priority", "eq", None), 'use "isnull" instead: {"op": "isnull", "value": true}'),
        (cond("priority", "neq", None), 'use "isnull" instead'),
        (cond("priority", "gt", None), 'null is not a value to compare with; use "isnull".'),
        (cond("priority", "icontains", "1"), "icontains applies to text fields only"),
        (cond("name", "startswith", 5), "startswith takes a text, not 5"),
        (cond("name", "eq", 5), "expected a text, not 5"),
        (cond("is_compound", "eq", "true"), 'expected true or false, not "true"'),
        (cond("is_compound", "gt", False), "gt does not compare true/false values"),
        (cond("rate", "eq", "abc"), "value must be a decimal number"),
        (cond("rate", "eq", "1e99999"), "is out of range"),
        (cond("valid_from", "eq", "31/01/2025"), "invalid date format"),
        (cond("valid_from", "eq", "2025-02-30"), "invalid date"),
        (cond("valid_from", "eq", 20250131), "expected a text (an ISO 8601 date, YYYY-MM-DD)"),
    ],
)
def test_wrong_values_are_refused_naming_field_operator_and_problem(condition, expected):
    message = error(condition, RATE_FIELDS, TaxRate)
    assert message.startswith(f'field "{condition["field"]}", operator "{condition["op"]}": ')
    assert expected in message


def test_wrong_datetimes_are_refused():
    assert "invalid format" in error(cond("created_at", "gt", "yesterday"))
    assert "an ISO 8601 date-time" in error(cond("created_at", "gt", 1700000000))


def test_wrong_relation_keys_are_refused():
    assert error(cond("parent", "eq", "abc")) == (
        'field "parent", operator "eq": "abc" is not a whole number.'
    )


# --------------------------------------------------------------------- custom fields
def definition(field_type, **extra):
    return SimpleNamespace(field_type=field_type, choices=extra.get("choices", []))


def test_custom_values_without_definitions_are_any_json_scalar():
    assert coerce_custom_value((), "x") == "x"
    assert coerce_custom_value((), True) is True
    assert coerce_custom_value((), 5) == Decimal(5)
    assert coerce_custom_value((), Decimal("2.50")) == Decimal("2.50")


@pytest.mark.parametrize(
    ("field_type", "value", "expected"),
    [
        ("text", "abc", "abc"),
        ("integer", 42, Decimal(42)),
        ("integer", Decimal("42.0"), Decimal(42)),
        ("decimal", Decimal("1.25"), Decimal("1.25")),
        ("decimal", "1.25", Decimal("1.25")),
        ("decimal", 3, Decimal(3)),
        ("boolean", False, False),
        ("date", "2025-01-31", "2025-01-31"),
        ("choice", "red", "red"),
        ("choice", 2, 2),
    ],
)
def test_custom_values_are_checked_by_their_definition(field_type, value, expected):
    assert coerce_custom_value([definition(field_type, choices=["red", 2])], value) == expected


@pytest.mark.parametrize(
    ("field_type", "value", "expected"),
    [
        ("text", 5, "expected a text"),
        ("integer", "5", "expected a whole number"),
        ("integer", Decimal("4.5"), "expected a whole number"),
        ("integer", True, "expected a whole number"),
        ("decimal", "abc", "expected a number"),
        ("decimal", False, "expected a number"),
        ("boolean", "true", "expected true or false"),
        ("date", "31.01.2025", "expected a date as YYYY-MM-DD"),
        ("date", 5, "expected a date as YYYY-MM-DD"),
        ("choice", "blue", "is not one of the choices: red, 2"),
        ("choice", "2", "is not one of the choices"),
    ],
)
def test_custom_values_of_the_wrong_type_are_refused(field_type, value, expected):
    with pytest.raises(ValueProblem, match=expected):
        coerce_custom_value([definition(field_type, choices=["red", 2])], value)


def test_a_custom_value_fitting_any_applicable_definition_is_accepted():
    # A global integer definition, and a text one of an organization.
    definitions = [definition("integer"), definition("text")]
    assert coerce_custom_value(definitions, "XL") == "XL"
    assert coerce_custom_value(definitions, 42) == Decimal(42)
    with pytest.raises(ValueProblem, match=r"expected a whole number.*Or: expected a text"):
        coerce_custom_value(definitions, True)


def test_custom_field_errors_through_the_parser():
    lookup = {("organization.organization", "size"): [definition("integer")]}

    def definitions(model, key):
        return lookup.get((model._meta.label_lower, key), ())

    parse(cond("custom_fields__size", "in", [1, 2]), custom_field_definitions=definitions)
    message = error(cond("custom_fields__size", "gt", "big"), custom_field_definitions=definitions)
    assert message.startswith('field "custom_fields__size", operator "gt": expected a whole number')
    # Undefined keys take any scalar, but null, lists and objects are refused.
    parse(cond("custom_fields__other", "eq", "x"), custom_field_definitions=definitions)
    assert 'use "isnull"' in error(cond("custom_fields__other", "eq", None))
    assert "not a list" in error(cond("custom_fields__other", "eq", [1]))
    # Text operators take texts; comparisons do not take true/false.
    assert "icontains takes a text, not 5" in error(cond("custom_fields__other", "icontains", 5))
    assert "gt does not compare true/false" in error(cond("custom_fields__other", "gt", True))


# ------------------------------------------------------------------------ field guard
def test_a_guard_restricts_each_condition_on_a_guarded_field():
    hidden = Q(organization__in=[7])

    def guard(path):
        return ~hidden if path == "notes" else None

    q = parse(
        {"or": [cond("notes", "icontains", "x"), cond("last_name", "eq", "y")]},
        ("notes", "last_name"),
        Contact,
        field_guard=guard,
    )
    assert q == (Q(notes__icontains="x") & ~hidden) | Q(last_name__exact="y")
