"""`manage.py check` reports mistakes in ALLOWED_FILTER_FIELDS before any request does."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.checks import check_allowed_filter_fields


def test_a_valid_override_passes(settings):
    settings.ALLOWED_FILTER_FIELDS = {"contact.Contact": ["first_name", "tags__name"]}
    assert check_allowed_filter_fields() == []


def test_an_unknown_model_and_a_wrong_path(settings):
    settings.ALLOWED_FILTER_FIELDS = {
        "contact.contakt": ["first_name"],
        "nonsense": ["x"],
        "contact.contact": ["first_name", "organization__nmae"],
    }
    errors = check_allowed_filter_fields()
    assert [error.id for error in errors] == ["core.E001", "core.E001", "core.E002"]
    assert "organization__nmae" in errors[2].msg
    with pytest.raises(SystemCheckError, match=r"core\.E002"):
        call_command("check")
