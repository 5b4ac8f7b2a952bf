"""Every operation of the API, as the OpenAPI schema lists it, with its path filled in
with a real record: the walker the whole-API sweeps share."""

import re
from dataclasses import dataclass, field
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

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
    for name in _PARAMETER.findall(path):
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
