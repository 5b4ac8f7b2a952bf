"""The captured exchanges as examples of the OpenAPI schema's responses.

`make docs` writes `examples.json` beside this module (operation -> status -> example,
stabilized like the reference of docs/api.md); `add_examples`, a drf-spectacular
postprocessing hook (settings.SPECTACULAR_SETTINGS), puts them in the schema the server
serves and in docs/openapi.yaml, so that the Swagger UI and Redoc show real answers.
"""

import json
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from .markdown import METHODS, operation_of

EXAMPLES = Path(__file__).with_name("examples.json")
_override: list[dict] = []


def collect(schema: dict, exchanges, stabilize) -> dict:
    """{"GET /api/v1/products/{id}/": {"200": {"summary", "value"}}}: the first exchange
    of each operation and status."""
    found: dict = {}
    for exchange in exchanges:
        template = operation_of(schema, exchange.call.method, exchange.path)
        if template is None or exchange.response is None:
            continue
        statuses = found.setdefault(f"{exchange.call.method.upper()} {template}", {})
        statuses.setdefault(
            str(exchange.status),
            {"summary": exchange.call.title, "value": stabilize(exchange.response)},
        )
    return dict(sorted(found.items()))


@contextmanager
def using(examples: dict):
    """Generate the schema with these examples (make docs, before they are written)."""
    _override.append(examples)
    try:
        yield
    finally:
        _override.pop()


@cache
def _stored() -> dict:
    return json.loads(EXAMPLES.read_text(encoding="utf-8")) if EXAMPLES.exists() else {}


def add_examples(result, generator, request, public):
    """drf-spectacular postprocessing hook: each response's captured example."""
    examples = _override[-1] if _override else _stored()
    for path, operations in result.get("paths", {}).items():
        for method in METHODS:
            operation = operations.get(method)
            captured = examples.get(f"{method.upper()} {path}", {}) if operation else {}
            for status, example in captured.items():
                content = operation["responses"].get(status, {}).get("content", {})
                media = content.get("application/json")
                if media is not None:
                    media["examples"] = {"captured": example}
    return result
