"""What a filter may know about the caller: which custom field definitions apply, and
which fields their role may not read. Core knows no roles: a view says which
organizations' definitions apply to its caller (`get_filter_organizations()`), and a
serializer that hides fields from some callers says which conditions to guard
(`filter_guard(request, view)`, as rbac.fields.FieldPermissionSerializerMixin does)."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q


class CustomFieldDefinitions:
    """(model, key) -> the active definitions of that key: the global ones and those of
    `organizations` (None: all of them), global ones first. One query per model, on
    first use."""

    def __init__(self, organizations):
        self.organizations = organizations
        self._by_model = {}

    @classmethod
    def for_view(cls, view):
        """The definitions for the caller of `view`: the global ones, and those of the
        organizations the view names (the caller's own, for scoped records)."""
        organizations = getattr(view, "get_filter_organizations", None)
        return cls(organizations() if organizations is not None else [])

    def __call__(self, model, key):
        if model not in self._by_model:
            CustomFieldDefinition = apps.get_model("core", "CustomFieldDefinition")
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
    view class, by the serializer's `filter_guard`."""
    cache = getattr(request, _GUARD_CACHE, None)
    if cache is None:
        cache = {}
        setattr(request, _GUARD_CACHE, cache)
    key = type(view)
    if key not in cache:
        build = getattr(view.get_serializer_class(), "filter_guard", None)
        cache[key] = build(request, view) if build is not None else None
    return cache[key]
