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


MAX_TAGS_PER_FILTER = 20


class TagNamesField(forms.CharField):
    """Comma-separated tag names -> a list of distinct names (at most 20)."""

    def to_python(self, value):
        value = super().to_python(value)
        names = [name.strip() for name in value.split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        if len(names) > MAX_TAGS_PER_FILTER:
            raise forms.ValidationError(
                _("At most %(limit)d tags per filter.") % {"limit": MAX_TAGS_PER_FILTER},
                code="too_many_tags",
            )
        return names


class TagListFilter(django_filters.CharFilter):
    """`?tags=a,b`: records carrying any of the named tags; with `match_all`, records
    carrying every one of them. Names match case-insensitively, as tags are stored
    (TAGGIT_CASE_INSENSITIVE). Each name is a subquery on the record's primary key, so
    no join multiplies the rows and no DISTINCT is needed."""

    field_class = TagNamesField

    def __init__(self, *args, match_all=False, **kwargs):
        self.match_all = match_all
        kwargs.setdefault("field_name", "tags__name")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        records = qs.model._default_manager
        lookup = f"{self.field_name}__iexact"
        if not self.match_all:
            tagged = models.Q()
            for name in value:
                tagged |= models.Q(**{lookup: name})
            return qs.filter(pk__in=records.filter(tagged).values("pk"))
        for name in value:
            qs = qs.filter(pk__in=records.filter(**{lookup: name}).values("pk"))
        return qs


class TaggedFilterSet(FilterSet):
    """Base of the filter sets of taggable models: `?tags=` (any of) and `?tags_all=`
    (all of), comma-separated tag names."""

    tags = TagListFilter(help_text="Comma-separated tag names: records with any of them.")
    tags_all = TagListFilter(
        match_all=True, help_text="Comma-separated tag names: records with all of them."
    )
