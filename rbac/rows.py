"""Lists read as rows: a page read with `.values()` and turned into exactly what the
view's serializer gives for the same records, without model instances.

Building an instance per row (and per joined row) runs everything its `__init__` and
its fields' descriptors run, and the serializer then walks each field's attribute path
on it: for a page of 100 records that is most of the time of a list (see
bench/list_speed.py). A plan reads the same values from columns instead:

- model fields, and paths through forward foreign keys ("category.name"), with the
  serializer field's own `to_representation` (skipped where it returns its input);
- related primary keys (`PrimaryKeyRelatedField`), a foreign key by its column's
  attribute (`source="user_id"`), a related row's slug (`SlugRelatedField`), a related
  field that represents a key itself (`represent_key`: a content type);
- values computed from columns (ComputedField and its kinds), links to a route of the
  record (RecordURLField), and fields that read their own columns with a batch per
  page (RowField);
- nested serializers: of a forward foreign key (joined in the same query) and of a
  reverse one (`many=True`: one query per page and relation);
- tags (one query per page);
- field rules: what the caller's role may not read in a record's organization is left
  out, as rbac.fields.FieldPermissionSerializerMixin does.

`row_plan(serializer, queryset)` answers None when a field needs an instance: a method
field, a property, an overridden `get_attribute` or `to_representation`, a custom list
serializer (unless it only prepares what its fields' batches prepare: `prepares_only`),
a prefetch that narrows what is shown (one that only joins is fine). The list then goes
through the serializer as before: the same answer, at the instance path's cost.
tests/test_row_reads.py holds every list using plans to the serializer's output.
"""

import datetime
from functools import partial
from operator import itemgetter
from urllib.parse import quote

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch
from django.db.models.query_utils import DeferredAttribute
from django.urls import NoReverseMatch, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.timezone import is_aware
from django_countries.fields import CountryDescriptor
from django_fsm import FSMFieldDescriptor
from phonenumber_field.modelfields import PhoneNumberDescriptor
from rest_framework import ISO_8601, relations, serializers
from rest_framework.fields import Field, empty
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from taggit.managers import TaggableManager
from taggit.serializers import TagListSerializerField

from core.tagging import tag_rows

from .fields import FieldPermissionSerializerMixin, field_restrictions

_SKIP = object()  # a key the serializer leaves out of this row

# Attribute descriptors that give the value a column is loaded as, or one that the
# serializer fields of such a column read the same way (a country code or a Country).
_PLAIN_DESCRIPTORS = (
    DeferredAttribute,
    FSMFieldDescriptor,
    PhoneNumberDescriptor,
    CountryDescriptor,
)

# Serializer fields whose `to_representation` returns a loaded value of these model
# fields unchanged (unless the model field converts what it loads: a phone number field
# is a CharField loading PhoneNumber objects): it is not called.
_UNCHANGED = (
    (serializers.CharField.to_representation, (models.CharField, models.TextField)),
    (serializers.IntegerField.to_representation, (models.IntegerField,)),
    (serializers.BooleanField.to_representation, (models.BooleanField,)),
    (serializers.JSONField.to_representation, (models.JSONField,)),
)


def _follow(instance, path: str):
    """The value at `path` ("document__current_version_id") from `instance`, None
    past an empty foreign key (as a row's joined column is)."""
    for name in path.split("__"):
        if instance is None:
            return None
        instance = getattr(instance, name)
    return instance


class ComputedField:
    """A read-only value computed by `function` from columns of the record (of their
    values, in the order of `columns`; a column may be reached through forward foreign
    keys, "document__current_version_id"): what a model property would give, readable
    from rows as from instances. Mixed into a serializer field class, whose
    `to_representation` then applies."""

    def __init__(self, function, columns, **kwargs):
        self.function, self.columns = function, tuple(columns)
        # The whole record: what it reads is `columns` (a model field of its name is
        # not it, for the schema either).
        kwargs.setdefault("source", "*")
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return self.function(*(_follow(instance, column) for column in self.columns))


class ComputedTextField(ComputedField, serializers.CharField):
    """A computed text (ComputedField).

    full_name = ComputedTextField(full_name, ["first_name", "last_name"])
    """


class ComputedBooleanField(ComputedField, serializers.BooleanField):
    """A computed true or false (ComputedField)."""


class ComputedChoiceField(ComputedField, serializers.ChoiceField):
    """A computed choice (ComputedField), among `choices`."""


class ComputedEmailField(ComputedField, serializers.EmailField):
    """A computed e-mail address (ComputedField)."""


class RowField:
    """What a serializer field defines to be read from rows when none of the kinds
    above fits (a field of `source="*"`, say, computed with what a page needs once):

    - `row_columns`: the columns it reads (paths as in ComputedField; "pk" the key);
    - `row_batch(values, request)`: worked out once per page from each row's values
      of those columns (a list of tuples), for the caller of `request`; optional;
    - `from_row(values, batch)`: its representation of one row's values.

    Plans are kept per process: these must not read the field's own `context`."""

    row_columns: tuple = ()

    def row_batch(self, values: list[tuple], request):
        return None

    def from_row(self, values: tuple, batch):
        raise NotImplementedError


class RecordURLField(serializers.URLField):
    """The absolute URL of a route of the record: `view_name` reversed with the
    record's primary key as its one argument (a download's link, say), or with the
    values of the columns `args`, readable from rows as from instances.

        download_url = RecordURLField("api-v1:file-download")
        download_url = RecordURLField("api-v1:document-download-version",
                                      args=["document_id", "number"])
    """

    def __init__(self, view_name: str, args=("pk",), **kwargs):
        self.view_name, self.args = view_name, tuple(args)
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return tuple(_follow(instance, arg) for arg in self.args)

    def to_representation(self, value):
        return self.url_maker(self.context.get("request"))(*value)

    def url_maker(self, request):
        """url(*values) for `request` (route_maker)."""
        return route_maker(self.view_name, len(self.args), request)


def route_maker(view_name: str, arity: int, request=None):
    """url(*values): `view_name` reversed with these `arity` values as its arguments,
    absolute for `request` when given. The route is reversed once, each value then put
    in its place, where it takes placeholders; else it is reversed each time (a page
    of rows builds its links without reversing a route per row)."""

    def reversed_each(*values):
        path = reverse(view_name, args=values)
        return request.build_absolute_uri(path) if request is not None else path

    parts = None
    for placeholder in _PLACEHOLDERS:
        placeholders = [f"{index}{placeholder}" for index in range(arity)]
        try:
            parts = _split(reversed_each(*placeholders), placeholders)
        except NoReverseMatch:
            continue
        if parts is not None:
            break
    if parts is None:
        return reversed_each
    safe = RFC3986_SUBDELIMS + "/~:@"  # reverse() quotes arguments so

    def url(*values):
        pieces = [parts[0]]
        for value, part in zip(values, parts[1:], strict=True):
            pieces += [quote(str(value), safe=safe), part]
        return "".join(pieces)

    return url


# Values no record has, that a route's patterns accept: letters and digits (a key's
# `[^/.]+`), else digits alone (a number's).
_PLACEHOLDERS = ("rowvalue0x", "9081726354")


def _split(template: str, placeholders: list[str]) -> list[str] | None:
    """`template` cut at each of `placeholders`, each found once, or None."""
    parts = [template]
    for placeholder in placeholders:
        before, found, after = parts.pop().partition(placeholder)
        if not found or placeholder in after or placeholder in before:
            return None
        parts += [before, after]
    return parts


def _defines(serializer, name, allowed=()) -> bool:
    """`serializer`'s class (or a class it inherits before DRF's Serializer) defines
    method `name`, other than in `allowed`."""
    for cls in type(serializer).__mro__:
        if cls is serializers.Serializer:
            return False
        if name in cls.__dict__ and cls not in allowed:
            return True
    return False


def _plain(model, name) -> bool:
    return isinstance(model.__dict__.get(name), _PLAIN_DESCRIPTORS) or any(
        isinstance(base.__dict__.get(name), _PLAIN_DESCRIPTORS) for base in model.__mro__[1:]
    )


def _path(model, attrs):
    """(column, model field, nullable foreign keys crossed) of a source path through
    forward foreign keys to a concrete field, or None."""
    crossed = []
    for index, attr in enumerate(attrs):
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not model_field.concrete or model_field.many_to_many:
            return None
        if model_field.is_relation:
            if not (model_field.many_to_one or model_field.one_to_one):
                return None
        elif not _plain(model, model_field.attname):
            return None
        if index == len(attrs) - 1:
            return "__".join(attrs), model_field, crossed
        if not model_field.is_relation:
            return None
        if model_field.null:
            crossed.append("__".join(attrs[: index + 1]))
        model = model_field.related_model
    return None


def _converter(field, model_field):
    """The function of a loaded value that the field's representation is, or None
    when it is the value itself."""
    method = type(field).to_representation
    converts = hasattr(model_field, "from_db_value")
    for unchanged, model_fields in _UNCHANGED:
        if method is unchanged and isinstance(model_field, model_fields):
            if isinstance(model_field, models.JSONField):
                return None if not field.binary else field.to_representation
            return field.to_representation if converts else None
    if (
        not converts
        and method is serializers.ChoiceField.to_representation
        and isinstance(model_field, models.CharField | models.TextField)
        and all(isinstance(key, str) for key in field.choices)
    ):
        return None
    return field.to_representation


def _related_converter(field, model_field):
    """The function of a foreign key's value that a related field's representation is
    (None: the value itself), or False when it needs the related instance: a primary
    key field gives the key; a field defining `represent_key(key)` gives what its
    `to_representation` gives of the record of that key (a content type by its cached
    label, say)."""
    if not model_field.is_relation:
        return False
    if type(field).get_attribute is not relations.RelatedField.get_attribute:
        return False
    represent_key = getattr(field, "represent_key", None)
    if represent_key is not None:
        return represent_key
    if (
        isinstance(field, relations.PrimaryKeyRelatedField)
        and type(field).to_representation is relations.PrimaryKeyRelatedField.to_representation
        and field.pk_field is None
    ):
        return None
    return False


def _present(read, batch):
    def value(row):
        value = read(row, batch)
        return None if value is _SKIP else value

    return value


def _alone(convert):
    return lambda value, _batch: convert(value)


def _iso_datetime(field, model_field) -> bool:
    """`field` is DRF's DateTimeField, giving ISO 8601, of a datetime column."""
    method = serializers.DateTimeField.to_representation
    return (
        type(field).to_representation is method
        and type(field).enforce_timezone is serializers.DateTimeField.enforce_timezone
        and isinstance(model_field, models.DateTimeField)
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )


def _output_timezone(field, _rows, _request):
    """The time zone `field` gives its values in (DRF's DateTimeField.enforce_timezone),
    and the tzinfo of values loaded in that zone already (datetime.UTC for UTC, as
    psycopg and Django load them)."""
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    return zone, datetime.UTC if str(zone) in _UTC_NAMES else zone


_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


def _iso_format(field, value, zones):
    """DRF's DateTimeField.to_representation of an aware `value` (`zones`: what
    _output_timezone gives)."""
    zone, same = zones
    if zone is None or (value.tzinfo is not zone and value.tzinfo is not same):
        if zone is None or not is_aware(value):
            return field.to_representation(value)
        try:
            value = value.astimezone(zone)
        except OverflowError:
            return field.to_representation(value)  # DRF's own error
    value = value.isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


class RowPlan:
    """The compiled representation of one serializer over rows of `model`: `columns`
    to read, and `represent(rows)` (see the module's docstring)."""

    def __init__(self, model, prefix=""):
        self.model = model
        self.prefix = prefix
        self.pk = f"{prefix}pk"
        self.columns = {self.pk}
        # (name, read(row, batch), batch(rows, request) or None): a batch is worked out
        # once per page (tags, nested lists, a time zone), for the request's caller.
        self.fields = []
        self.plain = {}  # {name: column} of the fields whose value is the column's
        # The column of the organization whose field rules apply to a row.
        self.organization = None
        self.static = True  # the same for every request: see row_plan
        self.queries = False  # represent() runs queries (tags, nested lists)

    def column(self, path: str) -> str:
        column = f"{self.prefix}{path}"
        self.columns.add(column)
        return column

    def represent(self, rows, request=None) -> list[dict]:
        """The serializer's representation of `rows` (read by `read_rows`), for the
        caller of `request` (whose field rules apply)."""
        prepared = self.prepare(rows, request)
        return [self.represent_row(row, prepared) for row in rows]

    def prepare(self, rows, request=None):
        """What representing `rows` needs once: each field's batch, and the field rules
        of the caller of `request`."""
        fields = [
            (name, read, None if batch is None else batch(rows, request))
            for name, read, batch in self.fields
        ]
        return fields, self._hidden(request)

    @staticmethod
    def represent_row(row, prepared) -> dict:
        """The representation of a row of the rows `prepared` (prepare) was given."""
        fields, hidden = prepared
        data = {}
        for name, read, batch in fields:
            value = read(row, batch)
            if value is not _SKIP:
                data[name] = value
        if hidden is not None:
            for name in hidden(row):
                data.pop(name, None)
        return data

    def readers(self, rows, request=None) -> dict:
        """{field name: value(row)}: each field's representation as a function of a row
        of `rows` (read by `read_rows`; a page, or an export's chunk, whose queries run
        here, once), None for a field the serializer leaves out of that row. What
        `represent` gives, one field at a time and without a dict per row; field rules
        are the caller's to apply."""
        readers = {}
        for name, read, batch in self.fields:
            if name in self.plain:
                readers[name] = itemgetter(self.plain[name])
            else:
                readers[name] = _present(read, None if batch is None else batch(rows, request))
        return readers

    def _hidden(self, request):
        """row -> the names the caller may not read in its organization, or None."""
        if request is None or self.organization is None:
            return None
        model, column, known = self.model, self.organization, {}

        def hidden(row):
            organization = row[column]
            if organization not in known:
                known[organization] = field_restrictions(request, model, organization)[0]
            return known[organization]

        return hidden

    # Compiling ------------------------------------------------------------------------

    def add(self, field) -> bool:
        """Compile one readable serializer field; False when it needs an instance."""
        name = field.field_name
        # Fields that read their own columns (whatever their source).
        if isinstance(field, ComputedField):
            return self._add_computed(field)
        if isinstance(field, RecordURLField):
            return self._add_record_url(field)
        if isinstance(field, RowField):
            return self._add_row_field(field)
        if field.source == "*" or isinstance(field, serializers.SerializerMethodField):
            return False
        if isinstance(field, TagListSerializerField):
            return self._add_tags(field)
        if (
            isinstance(field, relations.SlugRelatedField)
            and type(field).to_representation is relations.SlugRelatedField.to_representation
        ):
            return self._add_slug(field)
        if isinstance(field, serializers.ListSerializer):
            return self._add_many(field)
        if isinstance(field, serializers.BaseSerializer):
            return self._add_one(field)
        if isinstance(field, relations.ManyRelatedField):
            return False
        path = _path(self.model, field.source_attrs)
        if path is None:
            return False
        column, model_field, crossed = path
        # A foreign key named by its column's attribute ("user_id") is its key's value.
        key_only = model_field.is_relation and field.source_attrs[-1] == model_field.attname
        if isinstance(field, relations.RelatedField):
            convert = _related_converter(field, model_field)
            if convert is False:
                return False
        elif type(field).get_attribute is not Field.get_attribute or (
            model_field.is_relation and not key_only
        ):
            return False
        elif key_only:
            convert = field.to_representation
        else:
            convert = _converter(field, model_field)
        if crossed and (field.required or (field.default is not empty and callable(field.default))):
            return False
        if convert is not None and _iso_datetime(field, model_field):
            # The time zone is looked up once per page, not per value.
            batch = partial(_output_timezone, field)
            read = self._reader(field, column, partial(_iso_format, field), crossed)
        else:
            batch, read = None, self._reader(field, column, convert and _alone(convert), crossed)
        self.fields.append((name, read, batch))
        return True

    def _reader(self, field, column, convert, crossed):
        """read(row, batch): the value of `column`, through `convert(value, batch)`."""
        column = self.column(column)
        crossed = [self.column(path) for path in crossed]
        # A path through an empty foreign key: the field's default, else None where it
        # allows it, else left out (DRF's Field.get_attribute).
        if field.default is not empty:
            missing = None if field.default is None else field.to_representation(field.default)
        else:
            missing = None if field.allow_null else _SKIP

        def read(row, batch):
            value = row[column]
            if value is None:
                if any(row[path] is None for path in crossed):
                    return missing
                return None
            return value if convert is None else convert(value, batch)

        if convert is None and not crossed:
            self.plain[field.field_name] = column
            get = itemgetter(column)
            return lambda row, _batch: get(row)
        return read

    def _columns(self, paths) -> list[str] | None:
        """The columns of `paths` (the record's key for "pk"), or None."""
        columns = []
        for name in paths:
            if name == "pk":
                columns.append(self.pk)
                continue
            path = _path(self.model, name.split("__"))
            if path is None:
                return None
            columns.append(self.column(path[0]))
        return columns

    def _add_computed(self, field) -> bool:
        columns = self._columns(field.columns)
        if columns is None or type(field).get_attribute is not ComputedField.get_attribute:
            return False
        function = field.function
        represent = field.to_representation
        if type(field).to_representation is serializers.CharField.to_representation:
            represent = None  # texts, given as they are

        def read(row, _batch):
            value = function(*(row[column] for column in columns))
            return value if value is None or represent is None else represent(value)

        self.fields.append((field.field_name, read, None))
        return True

    def _add_record_url(self, field) -> bool:
        columns = self._columns(field.args)
        if (
            columns is None
            or type(field).to_representation is not RecordURLField.to_representation
            or type(field).get_attribute is not RecordURLField.get_attribute
        ):
            return False

        def batch(_rows, request):
            return field.url_maker(request)

        self.fields.append(
            (field.field_name, lambda row, url: url(*(row[c] for c in columns)), batch)
        )
        return True

    def _add_row_field(self, field) -> bool:
        columns = self._columns(field.row_columns)
        if columns is None:
            return False

        def values(row):
            return tuple(row[column] for column in columns)

        def batch(rows, request):
            return field.row_batch([values(row) for row in rows], request)

        from_row = field.from_row
        self.fields.append((field.field_name, lambda row, b: from_row(values(row), b), batch))
        return True

    def _add_slug(self, field) -> bool:
        """A SlugRelatedField of a foreign key of the record: the related row's slug
        column, joined (None where the key is empty, as DRF gives it)."""
        if (
            len(field.source_attrs) != 1
            or type(field).get_attribute is not relations.RelatedField.get_attribute
        ):
            return False
        path = _path(self.model, [*field.source_attrs, *field.slug_field.split("__")])
        if path is None or not path[1].concrete or path[1].is_relation:
            return False
        column = self.column(path[0])
        key = self.column(field.source_attrs[0])
        get = itemgetter(column)
        self.fields.append(
            (field.field_name, lambda row, _b: None if row[key] is None else get(row), None)
        )
        return True

    def _add_tags(self, field) -> bool:
        try:
            manager = self.model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return False
        if self.prefix or not isinstance(manager, TaggableManager):
            return False
        pk = self.pk

        def batch(rows, _request):
            names = {}
            for object_id, _tag, name, _slug in tag_rows(manager, {row[pk] for row in rows}):
                names.setdefault(object_id, []).append(name)
            return names

        represent = field.to_representation
        self.queries = True
        self.fields.append(
            (field.field_name, lambda row, names: represent(names.get(row[pk], [])), batch)
        )
        return True

    def _add_many(self, field) -> bool:
        child = field.child
        if (
            self.prefix
            or type(field) is not serializers.ListSerializer
            or len(field.source_attrs) != 1
            or _defines(child, "to_representation")
        ):
            return False
        relation = next(
            (
                rel
                for rel in self.model._meta.related_objects
                if rel.one_to_many and rel.get_accessor_name() == field.source
            ),
            None,
        )
        if relation is None:
            return False
        plan = compile_plan(child, relation.related_model)
        if plan is None:
            return False
        self.static &= plan.static
        foreign_key, pk = relation.field.attname, self.pk
        manager = relation.related_model._default_manager
        lookup = f"{relation.field.name}__any"

        def batch(rows, request):
            children = list(
                manager.filter(**{lookup: [row[pk] for row in rows]}).values(
                    *(plan.columns | {foreign_key})
                )
            )
            grouped = {}
            for row, data in zip(children, plan.represent(children, request), strict=True):
                grouped.setdefault(row[foreign_key], []).append(data)
            return grouped

        self.queries = True
        self.fields.append((field.field_name, lambda row, grouped: grouped.get(row[pk], []), batch))
        return True

    def _add_one(self, field) -> bool:
        path = _path(self.model, field.source_attrs)
        if path is None or _defines(field, "to_representation"):
            return False
        column, model_field, crossed = path
        if not model_field.is_relation or (crossed and not field.allow_null):
            return False
        plan = compile_plan(field, model_field.related_model, prefix=f"{self.prefix}{column}__")
        if plan is None or plan.queries:  # a query per row
            return False
        self.static &= plan.static
        key = self.column(column)
        self.columns |= plan.columns

        # The nested plan runs no query: its batches are worked out over the page's rows,
        # which hold its columns (prefixed).
        def read(row, prepared):
            return None if row[key] is None else plan.represent_row(row, prepared)

        self.fields.append((field.field_name, read, plan.prepare))
        return True


def compile_plan(serializer, model, prefix="") -> RowPlan | None:
    """The plan of a (child) serializer's readable fields, or None."""
    plan = RowPlan(model, prefix)
    plan.static = not _fields_vary(serializer)
    for field in serializer._readable_fields:
        if not plan.add(field):
            return None
    return plan


# Plans by serializer class: compiled once per process where the class's fields are the
# same for every request (fields built per request, by an overridden `__init__` or
# `get_fields`, are compiled per request). A class whose `__init__` or `get_fields`
# leaves the readable fields as they are says so with `readable_fields_fixed = True`
# in its own body (api.base.serializers.ScopedModelSerializer does).
_PLANS: dict = {}


def _fields_vary(serializer) -> bool:
    for cls in type(serializer).__mro__:
        if cls in (serializers.ModelSerializer, serializers.Serializer):
            return False
        own = vars(cls)
        if ("__init__" in own or "get_fields" in own) and not own.get("readable_fields_fixed"):
            return True
    return False


def _plain_prefetch(lookup) -> bool:
    """A prefetch the rows' own reads stand for: by name, or with a queryset that only
    joins (`select_related`), not one that filters, orders, slices or annotates what
    the serializer shows."""
    if not isinstance(lookup, Prefetch) or lookup.queryset is None:
        return True
    queryset = lookup.queryset
    query = queryset.query
    return (
        type(queryset) is type(queryset.model._default_manager.all())
        and not query.where
        and not query.order_by
        and not query.annotations
        and not query.extra
        and not query.distinct
        and query.low_mark == 0
        and query.high_mark is None
        and not queryset._prefetch_related_lookups
        and query.default_ordering
    )


def row_plan(serializer_class, queryset, make_serializer) -> RowPlan | None:
    """The plan of a list of `queryset` through `serializer_class`, or None when the
    list needs instances. `make_serializer()` gives an instance of it with the view's
    context, when one is needed to compile."""
    if not all(_plain_prefetch(lookup) for lookup in queryset._prefetch_related_lookups):
        return None
    key = (serializer_class, queryset.model)
    if key in _PLANS:
        return _PLANS[key]
    serializer = make_serializer()
    plan = _compile(serializer, queryset.model)
    if not _fields_vary(serializer) and (plan is None or plan.static):
        _PLANS[key] = plan
    return plan


def _plain_list(list_class) -> bool:
    """DRF's list serializer, or one whose `to_representation` only prepares for the
    instance path what its fields' row batches prepare for rows (`prepares_only`)."""
    return list_class is serializers.ListSerializer or bool(vars(list_class).get("prepares_only"))


def _compile(serializer, model) -> RowPlan | None:
    meta = getattr(serializer, "Meta", None)
    if (
        getattr(meta, "model", None) is not model
        or not _plain_list(getattr(meta, "list_serializer_class", serializers.ListSerializer))
        or _defines(serializer, "to_representation", allowed=(FieldPermissionSerializerMixin,))
    ):
        return None
    plan = compile_plan(serializer, model)
    if plan is None or not isinstance(serializer, FieldPermissionSerializerMixin):
        return plan
    if _defines(serializer, "get_record_organization", allowed=(FieldPermissionSerializerMixin,)):
        return None
    name = serializer.record_organization
    if name != "pk":
        try:
            if not model._meta.get_field(name).many_to_one:
                return None
        except FieldDoesNotExist:
            return plan  # get_record_organization: None, no field rules
    plan.organization = plan.column(name)
    return plan


def read_rows(plan: RowPlan, queryset):
    """`queryset` as the rows `plan` reads. They are counted as its records are: a
    row's columns join the tables of its forward foreign keys, which neither add nor
    remove a row, and a count need not join them."""
    rows = queryset.prefetch_related(None).values(*plan.columns)
    rows.count = queryset.count
    return rows


def joined_columns_read(plan: RowPlan, queryset):
    """`queryset` loading, of the rows it joins (`select_related`), only the columns
    `plan` reads: a record's detail joins its organization, category and unit for a name
    or two, not for their seventy columns, which the database sends and the ORM builds
    instances of. The record's own columns are all loaded (its ETag reads them); a
    joined column read after all is loaded then, as Django loads deferred fields."""
    joined = queryset.query.select_related
    if not isinstance(joined, dict) or queryset.query.deferred_loading != (frozenset(), True):
        return queryset  # every relation joined (`select_related()`), or columns chosen

    read = []
    for column in plan.columns:
        path, follows, depth = column.split("__"), joined, 0
        while depth < len(path) - 1 and path[depth] in follows:
            follows, depth = follows[path[depth]], depth + 1
        # Through the joined relations: the column, or the key a further relation is
        # read by. A joined row's key is always loaded (only() knows it by its name).
        if depth and path[depth] != "pk":
            read.append("__".join(path[: depth + 1]))
    own = [field.name for field in queryset.model._meta.concrete_fields]
    return queryset.only(*own, *read)


class RowListMixin:
    """For model viewsets: lists read as rows wherever the serializer allows (see the
    module's docstring), and a record's detail loading only the joined columns its
    serializer reads (`joined_columns_read`); `row_reads = False` turns both off for a
    view."""

    row_reads = True

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.row_reads and getattr(self, "action", None) == "retrieve":
            plan = row_plan(self.get_serializer_class(), queryset, self.get_serializer)
            if plan is not None:
                return joined_columns_read(plan, queryset)
        return queryset

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        plan = self.list_row_plan(queryset)
        if plan is not None:
            queryset = read_rows(plan, queryset)
        page = self.paginate_queryset(queryset)
        items = queryset if page is None else page
        if plan is None:
            data = self.get_serializer(items, many=True).data
        else:
            data = plan.represent(list(items), request)
        return Response(data) if page is None else self.get_paginated_response(data)

    def list_row_plan(self, queryset) -> RowPlan | None:
        if not self.row_reads or isinstance(self.paginator, CursorPagination):
            return None  # a cursor reads its position from the page's last instance
        return row_plan(self.get_serializer_class(), queryset, self.get_serializer)
