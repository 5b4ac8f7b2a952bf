"""django-filter defaults of the API: booleans that refuse what they do not understand.

django-filter's BooleanFilter reads "perhaps" as "no filter" and answers with every
row, as if the client had asked for nothing; here such a value is a 400. An empty
value (`?is_active=`) still means "no filter".
"""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off"}


class StrictNullBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in TRUE_VALUES:
            return True
        if lowered in FALSE_VALUES:
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class FilterSet(filters.FilterSet):
    """Base of the project's filter sets (and of those DjangoFilterBackend builds from
    `filterset_fields`)."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class DjangoFilterBackend(filters.DjangoFilterBackend):
    filterset_base = FilterSet
