"""The Postman collection (format v2.1) and its environments, from the documentation's
scenario: the same calls in the same order, grouped in folders by the schema's tags,
each with its captured response saved as an example and tests on its status and main
fields; values a response gives are stored in the environment for the requests after
it, as the scenario chains them. It starts by logging the accounts it uses in (their
access and refresh tokens stored in the environment).

Calls whose body is computed (a TOTP code, a token read from an e-mail) cannot be made
from Postman: the collection sends their `postman` call instead (accepting an invitation
by its id rather than by the e-mail's token), or leaves them out.

An upload (a call with `files`) is a `formdata` body whose files are the samples
committed beside the collection, named by a path relative to docs/postman/: newman
runs with `--working-dir docs/postman` (bin/api-check), Postman with its working
directory set to that folder. A response that is not JSON (a download) is tested on its
status alone.
"""

import json
import re

from .capture import ACCOUNTS, Exchange, form_fields
from .markdown import operation_of

COLLECTION_NAME = "ERP Platform API"
DESCRIPTION = (
    "The API's documented calls, in order, on the demo data (make docs writes it). "
    "Uploads send the sample files of docs/postman/files/ by a path relative to "
    "docs/postman/: run newman with --working-dir docs/postman (make api-check does), "
    "or set Postman's working directory to that folder."
)
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
ENVIRONMENTS = {
    "local": "http://127.0.0.1:8000",  # make run
    "docker": "http://localhost:8000",  # docker compose
}
_NAME = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")  # {name}, not {{name}}


def _variables(text: str) -> str:
    return _NAME.sub(r"{{\1}}", text)


def _raw_body(body, sent) -> str:
    """JSON with {{variables}}; a value that is only "{name}" and was sent as a number is
    the bare variable (`"organization": {{organization}}`)."""

    def mark(value, sent_value):
        number = isinstance(sent_value, int | float) and not isinstance(sent_value, bool)
        if number and isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
            return f"@@number:{value[1:-1]}@@"
        if isinstance(value, dict):
            return {key: mark(item, (sent_value or {}).get(key)) for key, item in value.items()}
        if isinstance(value, list):
            sent_items = sent_value if isinstance(sent_value, list) else []
            return [
                mark(item, sent_items[index] if index < len(sent_items) else None)
                for index, item in enumerate(value)
            ]
        return value

    text = json.dumps(mark(body, sent), indent=2, ensure_ascii=False)
    text = re.sub(r'"@@number:(\w+)@@"', r"{{\1}}", text)
    return _variables(text)


def _accessor(path: str) -> str:
    """`results.0.id` -> `["results"][0]["id"]`."""
    return "".join(f"[{step}]" if step.isdigit() else f'["{step}"]' for step in path.split("."))


def _tests(exchange: Exchange) -> list[str]:
    call = exchange.call
    lines = [
        f'pm.test("answers {call.status}", function () {{',
        f"    pm.response.to.have.status({call.status});",
        "});",
    ]
    if isinstance(exchange.response, dict):
        keys = json.dumps(sorted(exchange.response)[:8])
        lines += [
            'pm.test("has its main fields", function () {',
            "    const body = pm.response.json();",
            f"    {keys}.forEach(function (key) {{ pm.expect(body).to.have.property(key); }});",
            "});",
        ]
    for name, where in call.save.items():
        if where.startswith("header:"):
            header = where.removeprefix("header:")
            lines.append(f'pm.environment.set("{name}", pm.response.headers.get("{header}"));')
        elif where.startswith("text:"):
            path = _accessor(where.removeprefix("text:"))
            lines.append(f'pm.environment.set("{name}", String(pm.response.json(){path}));')
        else:
            lines.append(f'pm.environment.set("{name}", pm.response.json(){_accessor(where)});')
    return lines


def _formdata(call) -> list[dict]:
    """The text fields (`{{variables}}` for saved values) and the files of an upload."""
    fields = [
        {"key": name, "value": _variables(value), "type": "text"}
        for name, value in form_fields(call.body)
    ]
    return fields + [
        {"key": name, "type": "file", "src": path} for name, path in call.files.items()
    ]


def _headers(account: str | None, has_body: bool) -> list[dict]:
    headers = []
    if account == "api-key":
        headers.append({"key": "X-API-Key", "value": "{{api_key}}"})
    elif account is not None:
        headers.append({"key": "Authorization", "value": f"Bearer {{{{{account}_token}}}}"})
    if has_body:
        headers.append({"key": "Content-Type", "value": "application/json"})
    return headers


def _url(path: str) -> str:
    return "{{base_url}}" + _variables(path)


def _request(exchange: Exchange) -> dict:
    call = exchange.call
    path = call.path + (
        "?" + "&".join(f"{key}={value}" for key, value in call.query.items()) if call.query else ""
    )
    # An upload's Content-Type (multipart, with its boundary) is Postman's to set.
    headers = _headers(call.account, call.body is not None and not call.files)
    headers += [{"key": name, "value": _variables(value)} for name, value in call.headers.items()]
    request = {"method": call.method.upper(), "header": headers, "url": _url(path)}
    if call.files:
        request["body"] = {"mode": "formdata", "formdata": _formdata(call)}
    elif call.body is not None:
        request["body"] = {"mode": "raw", "raw": _raw_body(call.body, exchange.body)}
    return request


def _example_body(exchange: Exchange, stabilize) -> tuple[str, str]:
    """(Content-Type, body) of the saved example: the JSON, or nothing for a body that
    is not JSON (a file's bytes)."""
    if exchange.binary_size is not None:
        return exchange.headers.get("Content-Type", "application/octet-stream"), ""
    if exchange.response is None:
        return "application/json", ""
    body = json.dumps(stabilize(exchange.response), indent=2, ensure_ascii=False)
    return "application/json", body


def _login(account: str) -> dict:
    return {
        "name": f"Log in as {account}",
        "event": [
            {
                "listen": "test",
                "script": {
                    "type": "text/javascript",
                    "exec": [
                        'pm.test("logged in", function () { pm.response.to.have.status(200); });',
                        f'pm.environment.set("{account}_token", pm.response.json().access);',
                        f'pm.environment.set("{account}_refresh", pm.response.json().refresh);',
                    ],
                },
            }
        ],
        "request": {
            "method": "POST",
            "header": [{"key": "Content-Type", "value": "application/json"}],
            "url": _url("/api/v1/auth/token/"),
            "body": {
                "mode": "raw",
                "raw": json.dumps(
                    {
                        "username": f"{{{{{account}_username}}}}",
                        "password": f"{{{{{account}_password}}}}",
                    }
                ),
            },
        },
    }


def _api_key_item() -> dict:
    """An API key of the demo user for the requests made with one (stored as api_key)."""
    return {
        "name": "Create an API key for this collection",
        "event": [
            {
                "listen": "test",
                "script": {
                    "type": "text/javascript",
                    "exec": [
                        'pm.test("created", function () { pm.response.to.have.status(201); });',
                        'pm.environment.set("api_key", pm.response.json().key);',
                    ],
                },
            }
        ],
        "request": {
            "method": "POST",
            "header": _headers("demo", has_body=True),
            "url": _url("/api/v1/auth/api-keys/"),
            "body": {"mode": "raw", "raw": json.dumps({"name": "Postman collection"})},
        },
    }


def _computed(call) -> bool:
    return (
        any(callable(value) for value in (call.body or {}).values())
        if isinstance(call.body, dict)
        else callable(call.body)
    )


def collection(schema: dict, exchanges: list[Exchange], stabilize) -> dict:
    """The requests in the scenario's order, in folders by tag (a run of consecutive
    requests of one tag is one folder: a later request never runs before one it needs)."""
    folders: list[tuple[str, list]] = []
    accounts = []
    uses_api_key = False
    for exchange in exchanges:
        call = exchange.call
        if call.account in ACCOUNTS and call.account not in accounts:
            accounts.append(call.account)
        if not call.in_postman:
            continue
        uses_api_key = uses_api_key or call.account == "api-key"
        if _computed(call):
            if call.postman is None:
                continue
            call = call.postman
            exchange = Exchange(call, call.path, None, call.status, {}, None)
        template = operation_of(schema, call.method, exchange.path)
        operation = schema["paths"].get(template, {}).get(call.method.lower(), {})
        tag = (operation.get("tags") or ["other"])[0]
        request = _request(exchange)
        content_type, body = _example_body(exchange, stabilize)
        item = {
            "name": call.title,
            "event": [
                {"listen": "test", "script": {"type": "text/javascript", "exec": _tests(exchange)}}
            ],
            "request": request,
            "response": [
                {
                    "name": call.title,
                    "originalRequest": request,
                    "code": exchange.status,
                    "header": [{"key": "Content-Type", "value": content_type}],
                    "body": body,
                }
            ],
        }
        if not folders or folders[-1][0] != tag:
            folders.append((tag, []))
        folders[-1][1].append(item)
    logins = [_login(account) for account in accounts]
    if uses_api_key:
        logins.append(_api_key_item())
    items = [{"name": "Log in", "item": logins}]
    items += [{"name": tag[:1].upper() + tag[1:], "item": requests} for tag, requests in folders]
    return {
        "info": {"name": COLLECTION_NAME, "description": DESCRIPTION, "schema": SCHEMA_URL},
        "item": items,
    }


def variables_of(exchanges: list[Exchange]) -> list[str]:
    """The names the requests read or the tests store, in order."""
    names: dict[str, None] = {}
    for exchange in exchanges:
        call = exchange.call
        texts = (call.path, json.dumps(call.query), json.dumps(call.headers))
        for text in (*texts, json.dumps(call.body, default=str)):
            names.update(dict.fromkeys(_NAME.findall(text)))
        names.update(dict.fromkeys(call.save))
    return list(names)


def environment(name: str, base_url: str, variables: list[str]) -> dict:
    values = [{"key": "base_url", "value": base_url, "enabled": True}]
    for username, password in ACCOUNTS.items():
        values += [
            {"key": f"{username}_username", "value": username, "enabled": True},
            {"key": f"{username}_password", "value": password, "enabled": True},
            {"key": f"{username}_token", "value": "", "enabled": True},
            {"key": f"{username}_refresh", "value": "", "enabled": True},
        ]
    values.append({"key": "api_key", "value": "", "enabled": True})
    known = {value["key"] for value in values}
    values += [
        {"key": each, "value": "", "enabled": True} for each in variables if each not in known
    ]
    return {"name": f"ERP Platform ({name})", "values": values}
