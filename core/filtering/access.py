"""What a filter may know about the caller: which custom field definitions apply, and
which fields their role may not read."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q

from core.registry import organization_path
from rbac.access import member_organization_ids
from rbac.fields import FieldPermissionSerializerMixin, field_restrictions


class CustomFieldDefinitions:
    """(model, key) -> the active definitions of that key: the global ones and those of
    the caller's organizations (all of them for a superuser), global ones first. One
    query per model, on first use."""

    def __init__(self, user):
        self.organizations = member_organization_ids(user)
        self._by_model = {}

    def __call__(self, model, key):
        if model not in self._by_model:
            from core.models import CustomFieldDefinition

            scope = Q()
            if self.organizations is not None:
                scope = Q(organization__isnull=True) | Q(organization__in=self.organizations)
            found = {}
            for definition in CustomFieldDefinition.objects.filter(
                scope, content_type=ContentType.objects.get_for_model(model), is_active=True
            ).order_by(F("organization_id").asc(nulls_first=True), "pk"):
                found.setdefault(definition.key, []).append(definition)
            self._by_model[model] = found
        return self._by_model[model].get(key, ())


_GUARD_CACHE = "_hidden_field_guards"


def hidden_field_guard(request, view):
    """For views whose serializer applies field-level permissions: a guard that keeps
    a condition on a field off the records of the organizations where the caller's role
    may not read that field (the condition is false there, whatever the value), so that
    a filter cannot tell what a hidden field holds. None when nothing is hidden.

    `guard(path)` takes a query path ("description", "description__icontains",
    "category__name") and answers the Q of the rows where a condition on it may apply,
    or None when it applies everywhere. Every way of reaching a field asks it: `?filter=`,
    `search=`, `ordering=` and the django-filter parameters. Built once per request and
    view class."""
    cache = getattr(request, _GUARD_CACHE, None)
    if cache is None:
        cache = {}
        setattr(request, _GUARD_CACHE, cache)
    key = type(view)
    if key not in cache:
        cache[key] = _build_guard(request, view)
    return cache[key]


def _build_guard(request, view):
    serializer_class = view.get_serializer_class()
    if not issubclass(serializer_class, FieldPermissionSerializerMixin):
        return None
    model = serializer_class.Meta.model
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
