"""Real exchanges with the API, for its documentation.

A scenario is an ordered list of `Call`s, made in-process through the whole stack (the
middleware, JWT authentication, the views) on the demo data, as the demo accounts.
Values a response gives (a new record's id) are saved under a name and fill the paths
and bodies of the calls after it (`{product}`), as a client would chain them.

A call with `files` is sent as multipart/form-data (a file upload), its files read
from the samples committed under docs/postman/ (SAMPLES), where the Postman collection
finds them too. A response that is not JSON (a download) is kept as its size and
Content-Type, never as its bytes.

Each exchange is kept with what varies from run to run made stable (tokens, times,
ETags, request ids, generated keys and ids), so that documents generated from them
change only when the API does.
"""

import json
import mimetypes
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from celery import current_app as celery_app
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.test.client import BOUNDARY, encode_multipart

from api.demo.management.commands.seed_demo import DEMO_USERS

# The demo accounts (their passwords are public): username -> password.
ACCOUNTS = {spec["username"]: spec["password"] for spec in DEMO_USERS}

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")  # request ids
STABLE_TIME = "2026-01-15T09:30:00Z"
# Fields whose value is a time measured as the scenario ran, shown as this instead.
MEASURED = frozenset({"duration_ms"})
STABLE_DURATION = 3
# Response headers worth showing (the rest is the same everywhere); a response that is
# not JSON shows its Content-Type too.
SHOWN_HEADERS = (
    "ETag",
    "Location",
    "Retry-After",
    "Content-Disposition",
    "Content-Range",
    "Accept-Ranges",
)
# The sample files uploads send (`Call.files`): the Postman collection's folder, which
# newman runs in (bin/api-check: --working-dir), so that the same relative path names
# the same file for both.
SAMPLES = Path(settings.BASE_DIR) / "docs" / "postman"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@dataclass(frozen=True)
class Call:
    """One request of the scenario.

    `path` and `body` may name saved values (`"/api/v1/products/{product}/"`; a value
    that is only `"{name}"` keeps its type), and a value of `body` may be a function of
    the saved values (a TOTP code computed from a saved secret); `save` keeps values of
    the response for the calls after it (`{"product": "id"}`, a dotted path into the
    JSON body: `"results.0.id"`, `"text:results.0.id"` for its value as text (an id sent
    where text is expected), or `"header:ETag"` for a response header); `headers`
    are sent with the request (`{"If-Match": "{product_etag}"}`); `secrets` names saved
    values never to be shown, with
    what shows instead (`{"totp_secret": "<TOTP secret>"}`). `account` is a demo
    account, "api-key" for the demo API key, or None (no credentials).

    `files` makes the call an upload, sent as multipart/form-data: form field -> sample
    file, a path relative to SAMPLES (`{"file": "files/report.pdf"}`), sent with the
    type its extension says; `body` (a dict) then gives the other form fields: a list
    as the key repeated, a dict as JSON text, None left out, anything else as text."""

    title: str
    method: str
    path: str
    account: str | None = "demo"
    body: dict | list | None = None
    query: dict = field(default_factory=dict)
    status: int = 200
    save: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    # What the Postman collection sends instead, when the body is computed (Postman
    # cannot read an e-mail): a call leaving the data in the same state.
    postman: "Call | None" = None
    # False: not in the Postman collection (it depends on a call Postman cannot make).
    in_postman: bool = True
    # False: the background work it queues stays queued, as when the workers are busy
    # (a job it starts is still waiting when the next call comes).
    worker: bool = True


@dataclass
class Exchange:
    call: Call
    path: str  # with the saved values filled in
    body: object  # the request body sent
    status: int
    headers: dict
    response: object  # the JSON body (None for an empty one, or one that is not JSON)
    sent_headers: dict = field(default_factory=dict)  # the request's own headers
    # The size of a body that is not JSON (a download; its type is in `headers`), or None.
    binary_size: int | None = None


@contextmanager
def _queued(queued: bool):
    """Tasks sent to the broker for a worker, not run in-process (where they would)."""
    eager = celery_app.conf.task_always_eager
    if queued:
        celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


class ScenarioError(AssertionError):
    """A call answered another status than the scenario expects."""


# A saved value's placeholder: {name}, not {{name}} nor template text ("{{ x }}",
# "{% if %}"), as postman.py reads them.
_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


def _fill(value, saved: dict):
    if callable(value):
        return value(saved)
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in saved:
            return saved[value[1:-1]]  # the value itself, a number stays a number
        # An unknown name is a KeyError: a mistake of the scenario.
        return _PLACEHOLDER.sub(lambda match: str(saved[match[1]]), value)
    if isinstance(value, dict):
        return {key: _fill(item, saved) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, saved) for item in value]
    return value


def form_fields(body: dict | None) -> list[tuple[str, str]]:
    """The text fields of a multipart body, in order: (name, value) pairs (see
    Call.files)."""
    pairs = []
    for name, value in (body or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None:
                continue
            if isinstance(item, dict | list):
                item = json.dumps(item, ensure_ascii=False)
            elif isinstance(item, bool):
                item = "true" if item else "false"
            pairs.append((name, str(item)))
    return pairs


def _sample(path: str) -> SimpleUploadedFile:
    """A sample file of SAMPLES, as an upload."""
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return SimpleUploadedFile(Path(path).name, (SAMPLES / path).read_bytes(), content_type)


def _multipart(body: dict | None, files: dict) -> bytes:
    form: dict[str, list] = {}
    for name, value in form_fields(body):
        form.setdefault(name, []).append(value)
    for name, path in files.items():
        form[name] = _sample(path)
    return encode_multipart(BOUNDARY, form)


def _is_json(response) -> bool:
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    return media_type == "application/json" or media_type.endswith("+json")


def _dig(body, path: str):
    for step in path.split("."):
        body = body[int(step)] if isinstance(body, list) else body[step]
    return body


class Scenario:
    """Runs calls in order with a test client, logging the demo accounts in as needed."""

    def __init__(self, api_key: str | None = None):
        self.client = Client()
        self.api_key = api_key
        self.saved: dict = {}
        # What must not be shown: {secret value: placeholder} (see Call.secrets).
        self.secrets: dict[str, str] = {api_key: "<API key>"} if api_key else {}
        self._tokens: dict[str, str] = {}

    def _credentials(self, account: str | None) -> dict:
        if account is None:
            return {}
        if account == "api-key":
            return {"HTTP_X_API_KEY": self.api_key}
        if account not in self._tokens:
            response = self.client.post(
                "/api/v1/auth/token/",
                {"username": account, "password": ACCOUNTS[account]},
                content_type="application/json",
            )
            self._tokens[account] = response.json()["access"]
        return {"HTTP_AUTHORIZATION": f"Bearer {self._tokens[account]}"}

    def run(self, calls) -> list[Exchange]:
        return [self.call(each) for each in calls]

    def call(self, call: Call) -> Exchange:
        # What a request leaves to run once its transaction commits (a job queued for
        # the worker) runs when it ends: under a test's transaction, which never
        # commits, as on a live server. Unless the call says the workers are busy.
        with TestCase.captureOnCommitCallbacks(execute=call.worker), _queued(not call.worker):
            return self._call(call)

    def _call(self, call: Call) -> Exchange:
        path = _fill(call.path, self.saved)
        body = _fill(call.body, self.saved)
        query = _fill(call.query, self.saved)
        send = getattr(self.client, call.method.lower())
        sent_headers = _fill(call.headers, self.saved)
        extra = {
            **self._credentials(call.account),
            **{
                f"HTTP_{name.upper().replace('-', '_')}": value
                for name, value in sent_headers.items()
            },
        }
        # The query in the URL, whatever the method (DELETE has one, an export's POST too).
        url = f"{path}?{urlencode(query)}" if query else path
        if call.files:
            response = send(url, _multipart(body, call.files), content_type=MULTIPART, **extra)
        elif body is None:
            response = send(url, **extra)
        else:
            response = send(url, json.dumps(body), content_type="application/json", **extra)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code != call.status:
            raise ScenarioError(
                f"{call.method} {path} ({call.title}): {response.status_code}, "
                f"expected {call.status}: {raw[:500]!r}"
            )
        content, binary_size, headers = None, None, {}
        if raw and _is_json(response):
            content = json.loads(raw)
        elif raw:
            binary_size = len(raw)
            headers["Content-Type"] = response["Content-Type"]
        for name, where in call.save.items():
            if where.startswith("header:"):
                self.saved[name] = response[where.removeprefix("header:")]
            elif where.startswith("text:"):
                self.saved[name] = str(_dig(content, where.removeprefix("text:")))
            else:
                self.saved[name] = _dig(content, where)
        for name, placeholder in call.secrets.items():
            self.secrets[str(self.saved[name])] = placeholder
        headers.update(
            {name: response[name] for name in SHOWN_HEADERS if response.has_header(name)}
        )
        if query:
            path = f"{path}?{'&'.join(f'{key}={value}' for key, value in query.items())}"
        return Exchange(
            call, path, body, response.status_code, headers, content, sent_headers, binary_size
        )


class Stabilizer:
    """Replaces what changes from run to run in the JSON of exchanges: times and
    measured durations by fixed ones, tokens and `secrets` ({secret: placeholder}) by
    placeholders, and UUIDs, hex request ids and ETags by fixed values (the same value,
    the same replacement, across everything one stabilizer sees)."""

    def __init__(self, secrets: dict[str, str] | None = None):
        self.secrets = dict(secrets or {})
        self._seen: dict[str, str] = {}

    def _replacement(self, kind: str, value: str, make) -> str:
        key = f"{kind}:{value}"
        if key not in self._seen:
            count = sum(1 for each in self._seen if each.startswith(f"{kind}:")) + 1
            self._seen[key] = make(count)
        return self._seen[key]

    def text(self, item: str) -> str:
        for secret, placeholder in self.secrets.items():
            item = item.replace(secret, placeholder)
        item = _JWT.sub("<token>", item)
        item = _TIMESTAMP.sub(STABLE_TIME, item)
        item = _UUID.sub(
            lambda match: self._replacement(
                "uuid", match.group(), lambda n: f"00000000-0000-4000-8000-{n:012d}"
            ),
            item,
        )
        return _HEX_ID.sub(
            lambda match: self._replacement("hex", match.group(), lambda n: f"{n:032x}"), item
        )

    def etag(self, value: str) -> str:
        return self._replacement("etag", value, lambda n: f'"{n:040x}"')

    def __call__(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                key: STABLE_DURATION if key in MEASURED and type(each) is int else self(each)
                for key, each in value.items()
            }
        if isinstance(value, list):
            return [self(each) for each in value]
        return value
