"""The API reference in Markdown: every operation of the OpenAPI schema, with what it
does, who may call it, its parameters, a real request (curl) and its response, and the
errors it can answer.

    render(schema, exchanges, stabilize) -> str

`exchanges` are captured by api.demo.apidocs.capture; an operation's examples are the
first exchange whose path matches it and the first of each other status. An upload is
shown as curl's form fields (`-F`), a response that is not JSON (a download) by its
headers and size.
"""

import json
import re
from http import HTTPStatus
from pathlib import PurePosixPath

from .capture import Exchange, form_fields

METHODS = ("get", "post", "put", "patch", "delete")


def operation_of(schema: dict, method: str, path: str) -> str | None:
    """The schema path (template) that `path` (concrete, maybe with a query) matches for
    `method`: the one with the fewest parameters when several do."""
    path = path.split("?")[0]
    found = []
    for template, operations in schema["paths"].items():
        if method.lower() not in operations:
            continue
        pattern = "^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            found.append((template.count("{"), template))
    return min(found)[1] if found else None


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _form_option(name: str, value: str) -> str:
    """curl's -F for a text field, quoted for the shell; --form-string when curl would
    read more in the value (a file for a leading @ or <, a type after ;)."""
    option = "--form-string" if value[:1] in ("@", "<") or ";" in value else "-F"
    text = f"{name}={value}"
    if any(char in text for char in '\\"$`!'):
        return f"{option} '" + text.replace("'", "'\\''") + "'"
    return f'{option} "{text}"'


def curl(exchange: Exchange, stabilize) -> str:
    call = exchange.call
    lines = [f'curl -X {call.method.upper()} "$BASE_URL{stabilize(exchange.path)}"']
    if call.account == "api-key":
        lines.append('-H "X-API-Key: $API_KEY"')
    elif call.account is not None:
        lines.append('-H "Authorization: Bearer $TOKEN"')
    for name, value in exchange.sent_headers.items():
        shown = stabilize.etag(value) if name.startswith("If-") else stabilize(value)
        lines.append(f"-H '{name}: {shown}'")
    if call.files:
        fields = form_fields(stabilize(exchange.body))
        lines += [_form_option(name, value) for name, value in fields]
        lines += [f'-F "{name}=@{PurePosixPath(path).name}"' for name, path in call.files.items()]
    elif exchange.body is not None:
        body = json.dumps(stabilize(exchange.body), ensure_ascii=False)
        lines += ['-H "Content-Type: application/json"', f"-d '{body}'"]
    return " \\\n  ".join(lines)


def _parameters(operation: dict) -> list[str]:
    rows = []
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema") or {}
        kind = schema.get("type") or ("JSON" if "content" in parameter else "")
        description = " ".join((parameter.get("description") or "").split())
        rows.append(
            f"| `{parameter['name']}` | {parameter['in']} | {kind} | "
            f"{'yes' if parameter.get('required') else 'no'} | {description} |"
        )
    if not rows:
        return []
    return [
        "| name | in | type | required | description |",
        "| --- | --- | --- | --- | --- |",
        *rows,
    ]


def _errors(operation: dict) -> list[str]:
    return [
        f"- `{code}`: {response.get('description', '')}"
        for code, response in sorted(operation["responses"].items())
        if code.startswith("4")
    ]


def render_operation(method: str, template: str, operation: dict, exchanges, stabilize) -> str:
    lines = [f"### {operation.get('summary', template)}", "", f"`{method.upper()} {template}`", ""]
    if operation.get("description"):
        lines += [operation["description"].strip(), ""]
    parameters = _parameters(operation)
    if parameters:
        lines += ["Parameters:", "", *parameters, ""]
    for exchange in exchanges:
        lines += [f"Example ({exchange.call.title}):", "", "```sh", curl(exchange, stabilize)]
        lines += ["```", "", f"Response `{_status_line(exchange.status)}`:"]
        for name, value in exchange.headers.items():
            shown = stabilize.etag(value) if name == "ETag" else stabilize(value)
            lines.append(f"`{name}: {shown}`")
        if exchange.response is not None:
            body = json.dumps(stabilize(exchange.response), indent=2, ensure_ascii=False)
            lines += ["", "```json", body, "```"]
        elif exchange.binary_size is not None:
            lines += ["", f"({exchange.binary_size} bytes of the file, not shown)"]
        lines.append("")
    errors = _errors(operation)
    if errors:
        lines += ["Errors:", "", *errors, ""]
    return "\n".join(lines)


def render(schema: dict, exchanges: list[Exchange], stabilize) -> str:
    """The reference of every operation, grouped by the schema's tags."""
    # An operation's examples: its first exchange, and the first of each other status
    # (a refused change after an accepted one).
    examples: dict[tuple[str, str], list[Exchange]] = {}
    for exchange in exchanges:
        template = operation_of(schema, exchange.call.method, exchange.path)
        if template is None:
            continue
        shown = examples.setdefault((exchange.call.method.lower(), template), [])
        if all(each.status != exchange.status for each in shown):
            shown.append(exchange)
    sections: dict[str, list[str]] = {}
    for template, operations in schema["paths"].items():
        for method in METHODS:
            if method not in operations:
                continue
            operation = operations[method]
            tag = (operation.get("tags") or ["other"])[0]
            sections.setdefault(tag, []).append(
                render_operation(
                    method, template, operation, examples.get((method, template), []), stabilize
                )
            )
    parts = []
    for tag in sorted(sections):
        parts += [f"## {tag[:1].upper()}{tag[1:]}", "", *sections[tag]]
    return "\n".join(parts).rstrip() + "\n"
