"""Every operation of the API, as the OpenAPI schema lists it, with its path filled in
with a real record: the walker the whole-API sweeps share."""

import importlib
import importlib.util
import re
from dataclasses import dataclass, field
from functools import cache

import factory
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from core import registry

_PARAMETER = re.compile(r"{([^}]+)}")


@dataclass
class Operation:
    path: str  # as in the schema: /api/v1/products/{id}/
    method: str  # get, post, put, patch, delete
    parameters: list[dict] = field(default_factory=list)  # query parameters
    body: dict | None = None  # the JSON request body's schema (components resolved)

    def __str__(self):
        return f"{self.method.upper()} {self.path}"


def _resolve(schema: dict, node):
    """`node` with its $refs to components replaced (one level of nesting at a time)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return _resolve(schema, schema["components"]["schemas"][name])
        return {key: _resolve(schema, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(schema, item) for item in node]
    return node


@cache
def schema_operations() -> list[Operation]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            query = [
                parameter
                for parameter in operation.get("parameters", [])
                if parameter.get("in") == "query"
            ]
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            found.append(Operation(path, method, query, _resolve(schema, body) if body else None))
    return found


def view_of(path: str):
    """The view class and URL kwargs serving a schema path (parameters set to "1")."""
    match = resolve(_PARAMETER.sub("1", path))
    return match.func.cls, match.kwargs


def fill(path: str) -> str | None:
    """`path` with its parameters set to an existing record's (the first of the view's
    model); None when the view's model has no record to point at."""
    if "{" not in path:
        return path
    view_class, _kwargs = view_of(path)
    queryset = getattr(view_class, "queryset", None)
    model = queryset.model if queryset is not None else None
    values = {}
    examples = getattr(view_class, "path_examples", {})
    for name in _PARAMETER.findall(path):
        if name in examples:
            # A parameter that names no record (a webhook's provider).
            values[name] = examples[name]
            continue
        record_model = getattr(view_class, "record_model", None)
        if name == "record_pk" and record_model is not None:
            # A record's own sub-route: products/{record_pk}/comments/.
            record = record_model._default_manager.order_by("pk").first()
            values[name] = record.pk if record else None
            continue
        if name.endswith("_pk") and model is not None:
            # A parent in a nested route: warehouses/{warehouse_pk}/stock-locations/.
            parent = model._meta.get_field(name.removesuffix("_pk")).related_model
            record = parent._default_manager.order_by("pk").first()
            values[name] = record.pk if record else None
            continue
        if model is None:
            values[name] = None
            continue
        record = model._default_manager.order_by("pk").first()
        lookup = getattr(view_class, "lookup_field", "pk")
        if name == "category_type":
            values[name] = "PRODUCT"
        elif record is None:
            values[name] = None
        else:
            values[name] = record.pk if lookup in ("pk", "id") else getattr(record, lookup)
    if any(value is None for value in values.values()):
        return None
    return _PARAMETER.sub(lambda found: str(values[found.group(1)]), path)


def api_routes() -> list[tuple[str, object]]:
    """(route, view callback) of every DRF view under /api/v1/, walking the URL tree
    (routes as Django writes them: "api/v1/^products/(?P<pk>[^/.]+)/$")."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "cls", None):
                found.append((prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns, "")
    return [(route, callback) for route, callback in found if route.startswith("api/v1/")]


def list_routes() -> list[tuple[str, object]]:
    """(URL, view callback) of every route whose GET is a viewset's `list` action."""
    return [
        ("/" + route.replace("^", "").replace("$", ""), callback)
        for route, callback in api_routes()
        if (getattr(callback, "actions", None) or {}).get("get") == "list"
    ]


def model_of(view_class):
    """The model a view serves: its queryset's, else its serializer's."""
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(view_class, "serializer_class", None)
    return getattr(getattr(serializer, "Meta", None), "model", None)


def _module(name: str):
    """The module `name`, or None when it (or its package) does not exist."""
    try:
        found = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name) if found else None


@cache
def factories() -> dict[type, type]:
    """{model: factory_boy factory} from every installed app's `tests/factories.py`
    (or `factories.py`): the first factory declared for each model."""
    found = {}
    for config in apps.get_app_configs():
        for name in (f"{config.name}.tests.factories", f"{config.name}.factories"):
            module = _module(name)
            for value in vars(module).values() if module else ():
                if (
                    isinstance(value, type)
                    and issubclass(value, factory.django.DjangoModelFactory)
                    and getattr(value._meta, "model", None) is not None
                ):
                    found.setdefault(value._meta.model, value)
    return found


def seed_scoped_records(organization) -> list[type]:
    """One record in `organization` of every registered model scoped by a foreign key
    `organization` that has none yet, made by its factory: so that a sweep reaches
    the endpoints of models added later without being told about them. Returns the
    models seeded."""
    seeded = []
    for model in registry.models_with("scoped"):
        if registry.organization_path(model) != "organization" or model._default_manager.exists():
            continue
        make = factories().get(model)
        if make is not None:
            make(organization=organization)
            seeded.append(model)
    return seeded
