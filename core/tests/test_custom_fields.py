import pytest
from django.core.exceptions import ValidationError

from core.custom_fields import validate_custom_fields
from tests.testapp.models import CustomFieldsThing


@pytest.mark.parametrize("value", [{}, {"color": "red", "size": 3, "tags": ["a"]}])
def test_objects_are_valid(value):
    assert validate_custom_fields(value) == value


def test_none_means_empty():
    assert validate_custom_fields(None) == {}


@pytest.mark.parametrize("value", [[], ["a"], "text", 3, True])
def test_non_objects_are_refused(value):
    with pytest.raises(ValidationError, match="JSON object"):
        validate_custom_fields(value)


@pytest.mark.parametrize("value", [{"": 1}, {"  ": 1}])
def test_blank_keys_are_refused(value):
    with pytest.raises(ValidationError, match="non-empty"):
        validate_custom_fields(value)


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
