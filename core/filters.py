"""django-filter defaults of the API: values that refuse what they do not understand.

- django-filter's BooleanFilter reads "perhaps" as "no filter" and answers with every
  row, as if the client had asked for nothing; here such a value is a 400. An empty
  value (`?is_active=`) still means "no filter".
- A NumberFilter compared with an integer column (`organization = NumberFilter(
  field_name="organization_id")`) takes whole numbers within the column's range only,
  and says so in the schema: `1e30` or `9223372036854775808` is a 400 on every
  database, where the database driver would overflow.
- Date-time filters refuse moments that cannot be expressed in UTC
  (`9999-12-31T23:59:59-23:59`), which the database could not be asked about.

The base FilterSet applies these to every filter, declared or generated, so a filter
set written later cannot miss them.
"""

import datetime
import functools

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Lookup
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField
from django_filters.utils import get_model_field
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from . import registry
from .filtering.access import hidden_field_guard

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


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within [min_value, max_value] (given as extra arguments), which
    the schema states."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schema = {"type": "integer", "format": "int64"}
        if self.extra.get("min_value") is not None:
            schema["minimum"] = self.extra["min_value"]
        if self.extra.get("max_value") is not None:
            schema["maximum"] = self.extra["max_value"]
        extend_schema_field(schema)(self)


class UTCRepresentableMixin:
    """A date-time field giving moments in UTC, refusing those UTC cannot express."""

    def to_python(self, value):
        moment = super().to_python(value)
        if isinstance(moment, datetime.datetime) and moment.tzinfo is not None:
            try:
                # In UTC: PostgreSQL refuses offsets past 15:59, which Python allows.
                return moment.astimezone(datetime.UTC)
            except OverflowError:
                raise forms.ValidationError(
                    _("This date and time is out of range."), code="out_of_range"
                ) from None
        return moment


class RepresentableDateTimeField(UTCRepresentableMixin, forms.DateTimeField):
    pass


class RepresentableIsoDateTimeField(UTCRepresentableMixin, IsoDateTimeField):
    pass


_SAFE_FIELD_CLASSES = {
    forms.DateTimeField: RepresentableDateTimeField,
    IsoDateTimeField: RepresentableIsoDateTimeField,
}
_INTEGER_COLUMNS = (models.IntegerField, models.AutoField)


def _integer_column(model, field_name: str) -> models.Field | None:
    """The integer column `field_name` compares with (a foreign key: its target)."""
    field = get_model_field(model, field_name) if field_name else None
    while field is not None and field.is_relation and field.many_to_one:
        field = field.target_field
    return field if isinstance(field, _INTEGER_COLUMNS) else None


def _bounded(filter_, column) -> IntegerFilter:
    low, high = connection.ops.integer_field_range(column.get_internal_type())
    extra = {k: v for k, v in filter_.extra.items() if k not in ("max_digits", "decimal_places")}
    return IntegerFilter(
        field_name=filter_.field_name,
        lookup_expr=filter_.lookup_expr,
        label=filter_._label,
        method=filter_._method,
        distinct=filter_.distinct,
        exclude=filter_.exclude,
        **{"min_value": low, "max_value": high, **extra},
    )


class FilterSet(filters.FilterSet):
    """Base of the project's filter sets (and of those DjangoFilterBackend builds from
    `filterset_fields`)."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    @classmethod
    def get_filters(cls):
        found = super().get_filters()
        model = cls._meta.model
        for name, filter_ in list(found.items()):
            if type(filter_) is django_filters.NumberFilter and model is not None:
                column = _integer_column(model, filter_.field_name)
                if column is not None:
                    found[name] = _bounded(filter_, column)
            safe = _SAFE_FIELD_CLASSES.get(filter_.field_class)
            if safe is not None:
                filter_.field_class = safe
        return found

    # Set by DjangoFilterBackend: core.filtering.access.hidden_field_guard's guard.
    field_guard = None

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            filter_ = self.filters[name]
            queryset = filter_.filter(queryset, value)
            if self.field_guard is not None and value not in EMPTY_VALUES:
                guarded = self.field_guard(_query_path(queryset.model, filter_.field_name))
                if guarded is not None:
                    # A filter on a field the caller may not read matches nothing where
                    # they may not read it.
                    queryset = queryset.filter(guarded)
        return queryset


def created_between():
    """The filters `created_after` (on or after) and `created_before` (before) of
    `created_at`, for a FilterSet to declare:

        created_after, created_before = created_between()
    """
    return (
        django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte"),
        django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt"),
    )


def _query_path(model, field_name: str) -> str:
    """ "organization_id" -> "organization": a path by field names, as guards take."""
    first, _sep, rest = (field_name or "").partition("__")
    try:
        field = model._meta.get_field(first)
    except FieldDoesNotExist:
        return field_name
    return f"{field.name}__{rest}" if rest else field.name


class DjangoFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend with the project's FilterSet and the field guard. A
    view of a taggable model that names only `filterset_fields` gets `?tags=` and
    `?tags_all=` too (TaggedFilterSet)."""

    filterset_base = FilterSet

    def get_filterset_class(self, view, queryset=None):
        if (
            getattr(view, "filterset_class", None) is None
            and queryset is not None
            and registry.features(queryset.model).taggable
        ):
            fields = tuple(getattr(view, "filterset_fields", None) or ())
            return _tagged_filterset(queryset.model, fields)
        fields = getattr(view, "filterset_fields", None)
        if getattr(view, "filterset_class", None) is None and fields and queryset is not None:
            return _auto_filterset(queryset.model, _hashable(fields))
        return super().get_filterset_class(view, queryset)

    def filter_queryset(self, request, queryset, view):
        # A request naming none of the filters (a detail, a plain page) is answered
        # without building the filter set and its form.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not _names_a_filter(
            request.query_params, filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            filterset.field_guard = hidden_field_guard(request, view)
        return filterset


def _spans_relation(model, lookup: str) -> bool:
    """Whether a search lookup ("category__name__icontains") reaches another table."""
    try:
        field = model._meta.get_field(lookup.split(LOOKUP_SEP)[0])
    except FieldDoesNotExist:
        return False
    return field.is_relation


class _EqualsAny(Lookup):
    """`lhs = ANY(rhs)`, rhs an array (PostgreSQL)."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _pk_among(records) -> models.Q:
    """The records whose primary key is one of `records` (a values("pk") queryset)."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        return models.Q(_EqualsAny(models.F("pk"), ArraySubquery(records)))
    return models.Q(pk__in=records)


class SearchFilter(drf_filters.SearchFilter):
    """DRF's `search=`, where a field the caller's role may not read (rbac field rules)
    is only searched on the records where it may: a search cannot find a record by a
    hidden value.

    A condition on a related table (a product's category name) is written as
    `pk = ANY(ARRAY(<the records matching through the relation>))` on PostgreSQL (`pk IN
    (...)` elsewhere): the database runs that subquery once, and the search stays one
    OR of conditions on the model's own table, which it answers from indexes (the
    trigram indexes of core.search_indexes, the primary key), where an OR across a join
    makes it scan the whole table. Records matched through several related rows count
    once."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from None

    def filter_queryset(self, request, queryset, view):
        search_fields = self.get_search_fields(view, request)
        terms = self.get_search_terms(request)
        if not search_fields or not terms:
            return queryset
        guard = hidden_field_guard(request, view)
        own, joined = [], []
        for field in search_fields:
            lookup = self.construct_search(str(field), queryset)
            guarded = guard(lookup) if guard is not None else None
            spans = _spans_relation(queryset.model, lookup)
            (joined if spans else own).append((lookup, guarded))
        records = queryset.model._default_manager
        for term in terms:
            matches = self._matches(own, term)
            for each in joined:
                found = records.filter(self._matches([each], term)).order_by().values("pk")
                matches |= _pk_among(found)
            queryset = queryset.filter(matches)
        return queryset

    @staticmethod
    def _matches(lookups, term) -> models.Q:
        matches = models.Q()
        for lookup, guarded in lookups:
            match = models.Q(**{lookup: term})
            matches |= match if guarded is None else match & guarded
        return matches


class OrderingFilter(drf_filters.OrderingFilter):
    """DRF's `ordering=`, without the fields the caller's role may not read in one of
    their organizations (ordering by them would tell their values apart); like any
    field not allowed, they are ignored."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        guard = hidden_field_guard(request, view)
        if guard is None:
            return valid
        return [term for term in valid if guard(term.lstrip("-")) is None]


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


def _names_a_filter(params, filters) -> bool:
    """Whether a query parameter may be read by one of `filters`: its name, or its name
    with a suffix (a range's `price_min`, a date range's `created_after`)."""
    return any(key in filters or key.rpartition("_")[0] in filters for key in params)


def _hashable(fields):
    """`filterset_fields`, a list of names or {name: [lookups]}, as a cache key."""
    if isinstance(fields, dict):
        return tuple((name, tuple(lookups)) for name, lookups in fields.items())
    return tuple(fields)


@functools.cache
def _auto_filterset(model, fields) -> type[FilterSet]:
    """The filter set of a view that names only `filterset_fields`, built once."""
    if fields and isinstance(fields[0], tuple):
        fields = {name: list(lookups) for name, lookups in fields}
    meta = type(
        "Meta", (), {"model": model, "fields": fields if isinstance(fields, dict) else list(fields)}
    )
    return type(f"{model.__name__}FilterSet", (FilterSet,), {"Meta": meta})


@functools.cache
def _tagged_filterset(model, fields: tuple[str, ...]) -> type[TaggedFilterSet]:
    """The filter set of a taggable model's view that names only `filterset_fields`."""
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}FilterSet", (TaggedFilterSet,), {"Meta": meta})


class ContentTypeFilter(django_filters.CharFilter):
    """A kind of record, "app_label.model" (e.g. "products.product"), matched against
    the content type foreign key `field_name`; one that does not exist is a 400 naming
    the parameter."""

    def filter(self, queryset, value):
        if value in EMPTY_VALUES:
            return queryset
        from django.contrib.contenttypes.models import ContentType

        app_label, _dot, model = value.lower().partition(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            name = next(
                (key for key, each in self.parent.filters.items() if each is self), self.field_name
            )
            raise ValidationError(
                {name: [_("Unknown kind of record %(value)s.") % {"value": value}]}
            )
        return queryset.filter(**{self.field_name: content_type})
