"""validate_custom_fields: the shape of `custom_fields`, and its check against the custom
field definitions of the model (and of the record's organization)."""

import math
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from api.v1.base_models.common.models import Currency
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from core.custom_fields import definitions_for, validate_custom_fields
from core.models import CustomFieldDefinition
from tests.testapp.models import CustomFieldsThing


def define(key, field_type="text", *, model=CustomFieldsThing, organization=None, **fields):
    return CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        organization=organization,
        key=key,
        field_type=field_type,
        **fields,
    )


def validate(value, organization=None, model=CustomFieldsThing):
    return validate_custom_fields(value, model=model, organization=organization)


def errors_of(value, organization=None, model=CustomFieldsThing) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        validate(value, organization, model)
    return excinfo.value.message_dict


# ------------------------------------------------------------------- shape, no model
@pytest.mark.parametrize("value", [{}, {"color": "red", "size": 3, "tags": ["a"]}])
def test_objects_are_valid(value):
    assert validate_custom_fields(value) == value


def test_none_means_empty():
    assert validate_custom_fields(None) == {}


@pytest.mark.parametrize("value", [[], ["a"], "text", 3, True])
def test_non_objects_are_refused(value):
    with pytest.raises(ValidationError, match="JSON object"):
        validate_custom_fields(value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", [[], "text", 3])
def test_non_objects_are_refused_with_definitions_too(value):
    define("color")
    with pytest.raises(ValidationError, match="JSON object"):
        validate(value)


@pytest.mark.parametrize("value", [{"": 1}, {"  ": 1}])
def test_blank_keys_are_refused(value):
    with pytest.raises(ValidationError, match="non-empty"):
        validate_custom_fields(value)


# ------------------------------------------------------------------ no definitions
@pytest.mark.django_db
def test_a_model_without_definitions_accepts_any_object():
    value = {"anything": {"nested": [1, 2]}, "n": 1.5}
    assert validate(value) == value


@pytest.mark.django_db
def test_definitions_of_another_model_do_not_apply():
    define("color", model=Currency)
    assert validate({"other": 1}) == {"other": 1}


@pytest.mark.django_db
def test_inactive_definitions_are_ignored():
    define("color", required=True, is_active=False)
    # The model has no active definition: any object.
    assert validate({"size": "big"}) == {"size": "big"}
    define("size")
    # Now it has one: the inactive key is unknown, its requirement gone.
    assert validate({"size": "big"}) == {"size": "big"}
    assert "color" in errors_of({"size": "big", "color": "red"})


# ------------------------------------------------------------------------- the types
@pytest.mark.django_db
def test_text():
    define("note", max_length=5)
    assert validate({"note": "short"}) == {"note": "short"}
    assert "note" in errors_of({"note": "too long"})
    assert "at most 5" in errors_of({"note": "too long"})["note"][0].lower()
    for wrong in (5, True, ["a"], {"a": 1}):
        assert errors_of({"note": wrong})["note"] == ["Enter a text."]


@pytest.mark.django_db
def test_text_without_max_length():
    define("note")
    assert validate({"note": "x" * 10_000}) == {"note": "x" * 10_000}


@pytest.mark.django_db
def test_integer():
    define("count", "integer")
    assert validate({"count": 42}) == {"count": 42}
    assert validate({"count": -3}) == {"count": -3}
    for wrong in (True, False, 1.5, 2.0, "3", [1]):
        assert errors_of({"count": wrong})["count"] == ["Enter a whole number."], wrong


@pytest.mark.django_db
def test_integer_bounds():
    define("count", "integer", min_value=1, max_value=10)
    assert validate({"count": 1}) == {"count": 1}
    assert validate({"count": 10}) == {"count": 10}
    assert "at least" in errors_of({"count": 0})["count"][0].lower()
    assert "at most" in errors_of({"count": 11})["count"][0].lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "stored"),
    [(3, "3"), (2.5, "2.5"), (0.1, "0.1"), ("1.10", "1.10"), ("-0.5", "-0.5"), (" 7 ", "7")],
)
def test_decimal_is_normalised_to_a_string(given, stored):
    define("price", "decimal")
    assert validate({"price": given}) == {"price": stored}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "wrong",
    [
        "abc",
        "",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        math.nan,
        math.inf,
        -math.inf,
        True,
        False,
        [1],
        {"a": 1},
    ],
)
def test_decimal_refuses_non_numbers(wrong):
    define("price", "decimal")
    assert errors_of({"price": wrong})["price"] == ["Enter a number."]


@pytest.mark.django_db
def test_decimal_bounds():
    define("price", "decimal", min_value=Decimal("0.5"), max_value=Decimal("99.99"))
    assert validate({"price": "0.5"}) == {"price": "0.5"}
    assert validate({"price": 99.99}) == {"price": "99.99"}
    assert "at least" in errors_of({"price": "0.49"})["price"][0].lower()
    assert "at most" in errors_of({"price": 100})["price"][0].lower()


@pytest.mark.django_db
def test_boolean():
    define("vip", "boolean")
    assert validate({"vip": True}) == {"vip": True}
    assert validate({"vip": False}) == {"vip": False}
    for wrong in (1, 0, "true", "false", "yes"):
        assert errors_of({"vip": wrong})["vip"] == ["Enter true or false."]


@pytest.mark.django_db
def test_date_is_stored_as_an_iso_string():
    define("since", "date")
    assert validate({"since": "2024-02-29"}) == {"since": "2024-02-29"}
    # Python accepts the basic ISO format; it is stored in the extended one.
    assert validate({"since": "20240229"}) == {"since": "2024-02-29"}
    for wrong in ("2023-02-29", "29/02/2024", "2024-02-29T10:00:00", "", 20240229, True):
        assert errors_of({"since": wrong})["since"] == ["Enter a date as YYYY-MM-DD."], wrong


@pytest.mark.django_db
def test_choice():
    define("tier", "choice", choices=["gold", "silver", 3])
    assert validate({"tier": "gold"}) == {"tier": "gold"}
    assert validate({"tier": 3}) == {"tier": 3}
    message = errors_of({"tier": "bronze"})["tier"][0]
    assert "gold, silver, 3" in message
    assert "tier" in errors_of({"tier": "GOLD"})
    assert "tier" in errors_of({"tier": ["gold"]})


@pytest.mark.django_db
def test_choice_values_keep_their_type():
    # JSON true is not the choice 1, nor 1.0 the choice 1 (True == 1 in Python).
    define("level", "choice", choices=[1, 2])
    assert validate({"level": 1}) == {"level": 1}
    assert "level" in errors_of({"level": True})
    assert "level" in errors_of({"level": 1.0})
    assert "level" in errors_of({"level": "1"})


# ------------------------------------------------------------- required and missing
@pytest.mark.django_db
@pytest.mark.parametrize("value", [{}, {"code": None}, {"code": ""}])
def test_a_required_key_must_have_a_value(value):
    define("code", required=True)
    define("other")
    assert errors_of(value)["code"] == ["This custom field is required."]


@pytest.mark.django_db
@pytest.mark.parametrize(("field_type", "value"), [("integer", 0), ("boolean", False)])
def test_falsy_values_satisfy_a_requirement(field_type, value):
    define("flag", field_type, required=True)
    assert validate({"flag": value}) == {"flag": value}


@pytest.mark.django_db
def test_a_required_key_with_a_wrong_value_reports_the_type_error():
    define("count", "integer", required=True)
    assert errors_of({"count": "x"})["count"] == ["Enter a whole number."]


@pytest.mark.django_db
def test_optional_keys_may_be_missing_or_null():
    define("note")
    define("count", "integer")
    assert validate({}) == {}
    assert validate({"note": None, "count": None}) == {"note": None, "count": None}
    assert validate(None) == {}


@pytest.mark.django_db
def test_unknown_keys_are_refused_by_name():
    define("color")
    errors = errors_of({"color": "red", "colour": "blue", "size": 3})
    assert set(errors) == {"colour", "size"}
    assert errors["size"] == ["Unknown custom field."]


@pytest.mark.django_db
def test_every_error_names_its_key():
    define("count", "integer")
    define("since", "date")
    define("code", required=True)
    errors = errors_of({"count": "x", "since": "never", "extra": 1})
    assert set(errors) == {"count", "since", "extra", "code"}


@pytest.mark.django_db
def test_only_declared_keys_are_returned_cleaned():
    define("price", "decimal")
    define("since", "date")
    assert validate({"price": 1, "since": "20240101"}) == {"price": "1", "since": "2024-01-01"}


# --------------------------------------------------------------------- organizations
@pytest.mark.django_db
def test_an_organizations_definition_overrides_the_global_one():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    define("size", "integer")
    define("size", "choice", organization=org_a, choices=["S", "M", "L"])
    assert validate({"size": "M"}, org_a) == {"size": "M"}
    assert "size" in errors_of({"size": 3}, org_a)
    # Elsewhere the global one applies.
    assert validate({"size": 3}, org_b) == {"size": 3}
    assert "size" in errors_of({"size": "M"}, org_b)
    assert validate({"size": 3}) == {"size": 3}
    # The organization may be given by id.
    assert validate({"size": "L"}, org_a.pk) == {"size": "L"}


@pytest.mark.django_db
def test_organization_definitions_add_keys_for_that_organization_only():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    define("color")
    define("region", organization=org_a, required=True)
    assert errors_of({"color": "red"}, org_a)["region"] == ["This custom field is required."]
    assert validate({"color": "red", "region": "EU"}, org_a) == {"color": "red", "region": "EU"}
    assert "region" in errors_of({"region": "EU"}, org_b)


@pytest.mark.django_db
def test_an_inactive_organization_definition_does_not_override():
    org = OrganizationFactory()
    define("size", "integer")
    define("size", "text", organization=org, is_active=False)
    assert "size" in errors_of({"size": "big"}, org)
    assert validate({"size": 2}, org) == {"size": 2}


@pytest.mark.django_db
def test_definitions_for():
    org = OrganizationFactory()
    global_size = define("size", "integer")
    color = define("color")
    org_size = define("size", "text", organization=org)
    define("gone", is_active=False)
    assert definitions_for(CustomFieldsThing) == {"size": global_size, "color": color}
    assert definitions_for(CustomFieldsThing, org) == {"size": org_size, "color": color}


# ------------------------------------------------------------------ CustomFieldsModel
@pytest.mark.django_db
def test_model_clean_reports_the_field():
    thing = CustomFieldsThing(name="x", custom_fields=["not", "an", "object"])
    with pytest.raises(ValidationError) as excinfo:
        thing.full_clean()
    assert "custom_fields" in excinfo.value.message_dict


@pytest.mark.django_db
def test_model_default_is_an_empty_object():
    thing = CustomFieldsThing.objects.create(name="x")
    thing.full_clean()
    assert thing.custom_fields == {}


@pytest.mark.django_db
def test_model_clean_checks_the_definitions_naming_the_keys():
    define("count", "integer")
    thing = CustomFieldsThing(name="x", custom_fields={"count": "many", "extra": 1})
    with pytest.raises(ValidationError) as excinfo:
        thing.full_clean()
    messages = excinfo.value.message_dict["custom_fields"]
    assert "count: Enter a whole number." in messages
    assert "extra: Unknown custom field." in messages


@pytest.mark.django_db
def test_model_clean_stores_the_normalised_values():
    define("price", "decimal")
    define("since", "date")
    thing = CustomFieldsThing(name="x", custom_fields={"price": 2.5, "since": "20240101"})
    thing.full_clean()
    assert thing.custom_fields == {"price": "2.5", "since": "2024-01-01"}


@pytest.mark.django_db
def test_a_real_model_validates_its_custom_fields():
    define("iso_region", "choice", model=Currency, choices=["EU", "AM", "AS"], required=True)
    euro = Currency.objects.get(code="EUR")
    euro.custom_fields = {}
    with pytest.raises(ValidationError) as excinfo:
        euro.full_clean()
    assert excinfo.value.message_dict["custom_fields"] == [
        "iso_region: This custom field is required."
    ]
    euro.custom_fields = {"iso_region": "EU"}
    euro.full_clean()
