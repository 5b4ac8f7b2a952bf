"""The models rules may watch, and what their conditions may read.

A rule watches the records of a model of the feature registry (core.registry) that
belongs to organizations and has an API (a ScopedModelViewSet): its conditions read the
fields that API's list filters on (`?filter=`), and its actions write through that
API's serializer. The automation's own models and the audit log are not watched.
"""

from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver

from api.base.views import ScopedModelViewSet
from core import registry
from core.filtering.backends import allowed_filter_fields

UNWATCHED_APPS = {"automation", "audit"}


def _patterns(resolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern)
        elif isinstance(pattern, URLPattern):
            yield pattern


@cache
def _api_views() -> dict:
    """{model: its API viewset}, from the URL configuration."""
    views = {}
    for pattern in _patterns(get_resolver()):
        view = getattr(pattern.callback, "cls", None)
        if isinstance(view, type) and issubclass(view, ScopedModelViewSet):
            queryset = getattr(view, "queryset", None)
            if queryset is not None:
                views.setdefault(queryset.model, view)
    return views


def api_view_of(model):
    """The API viewset of `model` (a ScopedModelViewSet subclass), or None."""
    return _api_views().get(model)


def watchable(model) -> bool:
    return (
        model._meta.app_label not in UNWATCHED_APPS
        and registry.get(model) is not None
        and registry.organization_path(model) is not None
        and api_view_of(model) is not None
    )


def watchable_models() -> list:
    return sorted(
        (model for model in registry.registered_models() if watchable(model)),
        key=lambda model: model._meta.label_lower,
    )


def condition_fields(model) -> tuple[str, ...]:
    """The paths a rule's conditions on `model` may read: those of its list's filter."""
    return allowed_filter_fields(api_view_of(model), model)
