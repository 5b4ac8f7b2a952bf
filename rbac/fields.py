"""Field-level permissions: which fields a role may not read or not write."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import PermissionDenied

from core.registry import organization_path

from .access import member_organization_ids, member_roles_with_field_rules, role_in_org

_CACHE_ATTR = "_rbac_field_rules"
_RESTRICTIONS_ATTR = "_rbac_field_restrictions"


def _rules(request, model) -> dict[int, dict[str, tuple[bool, bool]]]:
    """{role id: {field: (can_read, can_write)}} of the caller's roles for `model`,
    loaded once per request and model."""
    content_type = ContentType.objects.get_for_model(model)
    cache = getattr(request, _CACHE_ATTR, None)
    if cache is None or content_type.pk not in cache:
        load_field_rules(request, [model])
    return getattr(request, _CACHE_ATTR)[content_type.pk]


def load_field_rules(request, models) -> None:
    """Load the caller's field rules for all of `models` in one query (those not loaded
    yet): for a request that reads several models (the search)."""
    from .models import FieldPermission

    cache = getattr(request, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(request, _CACHE_ATTR, cache)
    content_types = [
        each
        for each in ContentType.objects.get_for_models(*models).values()
        if each.pk not in cache
    ]
    if not content_types:
        return
    for content_type in content_types:
        cache[content_type.pk] = {}
    role_ids = member_roles_with_field_rules(request.user)
    if role_ids:  # none: no query (the memberships' query said which roles have rules)
        rows = FieldPermission.objects.filter(
            content_type__in=content_types, role_id__in=role_ids
        ).values_list("content_type_id", "role_id", "field_name", "can_read", "can_write")
        for content_type_id, role_id, field_name, can_read, can_write in rows:
            cache[content_type_id].setdefault(role_id, {})[field_name] = (can_read, can_write)


def fields_denied(fields) -> PermissionDenied:
    """The 403 refusing writes to `fields`: `{"detail", "fields"}`."""
    fields = list(fields)
    return PermissionDenied(
        {
            "detail": gettext_lazy("Your role may not change these fields: %(fields)s.")
            % {"fields": ", ".join(fields)},
            "fields": fields,
        }
    )


def check_writable(request, model, organization, *fields) -> None:
    """For actions that write fields outside a serializer (e.g. `move` writes `parent`):
    403 when the caller's role in `organization` may not write one of `fields`."""
    _hidden, read_only = field_restrictions(request, model, organization)
    forbidden = [name for name in fields if name in read_only]
    if forbidden:
        raise fields_denied(forbidden)


def field_restrictions(request, model, organization) -> tuple[frozenset[str], frozenset[str]]:
    """(hidden fields, read-only fields) for the caller on `model` records of
    `organization`. Hidden fields are read-only too. Superusers have none."""
    user = getattr(request, "user", None)
    if user is None or organization is None or (user.is_active and user.is_superuser):
        return frozenset(), frozenset()
    # Asked once per record of a list: answered once per request, model and organization.
    memo = getattr(request, _RESTRICTIONS_ATTR, None)
    if memo is None:
        memo = {}
        setattr(request, _RESTRICTIONS_ATTR, memo)
    key = (model, getattr(organization, "pk", organization))
    if key not in memo:
        role_id = role_in_org(user, organization)
        rules = _rules(request, model).get(role_id, {}) if role_id is not None else {}
        hidden = frozenset(name for name, (can_read, _write) in rules.items() if not can_read)
        read_only = frozenset(name for name, (_read, can_write) in rules.items() if not can_write)
        memo[key] = (hidden, read_only | hidden)
    return memo[key]


class FieldPermissionSerializerMixin:
    """For serializers of organization-bound records: drops the fields the caller's role
    (in the record's organization) may not read, and refuses with 403 writes to fields
    it may not write (sending a readable field unchanged, as a PUT of a read representation
    does, is allowed).

    `record_organization` names the record's field holding the organization whose rules
    apply ("pk" where the record is an organization); subclasses may also override
    `get_target_organization(attrs)`. The filters of a view using it (`?filter=`,
    `search=`, `ordering=`, django-filter) ask `filter_guard` which conditions to keep
    off the records where a field is hidden.
    """

    @staticmethod
    def filter_guard(request, view):
        return hidden_field_guard(request, view)

    record_organization = "organization"

    def get_record_organization(self, instance):
        name = self.record_organization
        return instance.pk if name == "pk" else getattr(instance, f"{name}_id", None)

    def get_target_organization(self, attrs):
        if self.instance is not None:
            return self.get_record_organization(self.instance)
        return attrs.get("organization")

    def _restrictions(self, organization):
        request = self.context.get("request")
        if request is None:
            return set(), set()
        return field_restrictions(request, self.Meta.model, organization)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        hidden, _read_only = self._restrictions(self.get_record_organization(instance))
        for name in hidden:
            data.pop(name, None)
        return data

    def validate(self, attrs):
        attrs = super().validate(attrs)
        hidden, read_only = self._restrictions(self.get_target_organization(attrs))
        if not read_only:
            return attrs
        sent = set(getattr(self, "initial_data", {}) or {})
        forbidden = []
        for name in sorted(read_only & sent & set(self.fields)):
            source = self.fields[name].source
            if source not in attrs:
                continue
            # Unchanged: nothing is written. Not for hidden fields, which no read
            # representation holds: the answer would tell whether a guess is right.
            if (
                self.instance is not None
                and name not in hidden
                and attrs[source] == getattr(self.instance, source, None)
            ):
                attrs.pop(source)
                continue
            forbidden.append(name)
        if forbidden:
            raise fields_denied(forbidden)
        return attrs


def hidden_field_guard(request, view):
    """The guard of `view`'s filters (see core.filtering.access.hidden_field_guard): a
    condition on a field the caller's role may not read in some of their organizations
    is kept off those organizations' records. None when nothing is hidden."""
    model = view.get_serializer_class().Meta.model
    lookup = organization_path(model)
    if lookup is None:  # shared data: field rules are per organization
        return None
    organizations = member_organization_ids(request.user)
    if not organizations:  # None: a superuser, who sees every field
        return None
    hidden = {}
    for organization in organizations:
        names = field_restrictions(request, model, organization)[0]
        if names:
            hidden[organization] = names
    if not hidden:
        return None
    fields = view.get_serializer().fields

    def path_of(name):
        # A serializer field reads its `source` ("user.username" for "username").
        field = fields.get(name)
        if field is None or field.source == "*":
            return name
        return field.source.replace(".", "__")

    hidden_paths = {org: {path_of(name) for name in names} for org, names in hidden.items()}

    def guard(path: str) -> Q | None:
        concerned = [
            org
            for org, paths in hidden_paths.items()
            if any(path == hidden or path.startswith(f"{hidden}__") for hidden in paths)
        ]
        return ~Q(**{f"{lookup}__in": concerned}) if concerned else None

    return guard
