"""Providers' HTTP APIs played on loopback for the provider tests: nothing leaves the
machine, and the requests a provider sends are checked as the real service would check
them, then kept for the test to look at.

- `StandIn`: an HTTP server (http.server's ThreadingHTTPServer) on 127.0.0.1, on a port
  the system picks, in a thread of the test process, from `with` to its end. A subclass
  answers each request (`answer(request) -> (status, body)`: a dict is sent as JSON,
  bytes as they are, None as no content); every request is kept in `requests`, in
  order. `delay` (seconds) holds every answer back, to make a client time out;
  `fail(status, body)` makes the next API answers refusals.
- `FakeZoom`: Zoom's OAuth token endpoint (`/oauth/token`) and meetings API (`/v2/...`)
  for one Server-to-Server OAuth app: it refuses wrong credentials and unknown or
  revoked tokens (401, code 124, as Zoom does), keeps the meetings it schedules, and
  answers with Zoom's statuses, bodies and error codes.

    with FakeZoom(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET) as zoom:
        settings.ZOOM_OAUTH_URL, settings.ZOOM_API_BASE = zoom.oauth_url, zoom.api_base
        ...
        assert [r.path for r in zoom.requests] == ["/oauth/token", "/v2/users/me/meetings"]
"""

import base64
import json
import re
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

HOST = "127.0.0.1"

Answer = tuple[int, dict | bytes | None]


def closed_port() -> int:
    """A loopback port nothing listens on (for "cannot be reached")."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Request:
    """A request as the stand-in received it; header names in lowercase."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length),
        )
        standin = self.server.standin
        status, body = standin.receive(request)
        if standin.delay and standin.stopping.wait(standin.delay):
            return
        data = json.dumps(body).encode() if isinstance(body, dict) else body or b""
        self.send_response(status)
        if isinstance(body, dict):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests look at `requests`."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: "StandIn"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timed out) is no error of the stand-in's."""


class StandIn:
    """A loopback HTTP server answering with `answer`; see the module's docstring."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.delay = 0.0
        self.stopping = threading.Event()
        self._failures: list[Answer] = []
        self._lock = threading.Lock()
        self._server = _Server((HOST, 0), _Handler)
        self._server.standin = self
        # Polled often, so that the server stops at once when the test ends.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "StandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail(self, status: int, body: dict | bytes | None = None, *, times: int = 1) -> None:
        """Refuse the next `times` API requests (after their authentication) so."""
        self._failures.extend([(status, body)] * times)

    def receive(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            return self.answer(request)

    def next_failure(self) -> Answer | None:
        return self._failures.pop(0) if self._failures else None

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError


def zoom_error(status: int, code: int, message: str) -> Answer:
    return status, {"code": code, "message": message}


class FakeZoom(StandIn):
    """Zoom for one Server-to-Server OAuth app; see the module's docstring.

    `tokens` are the access tokens issued, in order ("token-1", ...), each valid until
    `revoke_tokens()`; `expires_in` is what the token endpoint says of their lifetime.
    Meetings get ids from 85000000001 up; their start URLs carry a "zak" token.
    """

    MEETING = re.compile(r"/v2/meetings/(?P<id>[^/]+)")
    USER_MEETINGS = re.compile(r"/v2/users/(?P<user>[^/]+)/meetings")
    START_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

    def __init__(self, account_id: str, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.tokens: list[str] = []
        self.expires_in = 3599
        self.meetings: dict[str, dict] = {}
        self._valid: set[str] = set()

    @property
    def oauth_url(self) -> str:
        return f"{self.url}/oauth/token"

    @property
    def api_base(self) -> str:
        return f"{self.url}/v2"

    def revoke_tokens(self) -> None:
        self._valid.clear()

    def answer(self, request: Request) -> Answer:
        if request.path == "/oauth/token":
            return self._token(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self._valid:
            return zoom_error(401, 124, "Invalid access token.")
        failure = self.next_failure()
        if failure is not None:
            return failure
        if request.method == "POST" and (match := self.USER_MEETINGS.fullmatch(request.path)):
            return self._create(request, unquote(match["user"]))
        match = self.MEETING.fullmatch(request.path)
        if match is None:
            return zoom_error(404, 300, "Not found.")
        meeting = self.meetings.get(match["id"])
        if meeting is None:
            return zoom_error(404, 3001, f"Meeting does not exist: {match['id']}.")
        if request.method == "GET":
            return 200, meeting
        if request.method == "PATCH":
            fields = self._meeting_fields(request)
            if fields is None:
                return zoom_error(400, 300, "Invalid request body.")
            meeting.update(fields)
            return 204, None
        if request.method == "DELETE":
            del self.meetings[match["id"]]
            return 204, None
        return zoom_error(405, 300, "Method not allowed.")

    def _token(self, request: Request) -> Answer:
        if request.method != "POST" or request.query.get("grant_type") != "account_credentials":
            return 400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
        if request.headers.get("authorization") != f"Basic {self.basic}":
            return 400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        if request.query.get("account_id") != self.account_id:
            return 400, {"reason": "Invalid account_id", "error": "invalid_request"}
        token = f"token-{len(self.tokens) + 1}"
        self.tokens.append(token)
        self._valid.add(token)
        return 200, {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": "meeting:write:meeting:admin",
            "api_url": "https://api.zoom.us",
        }

    def _meeting_fields(self, request: Request) -> dict | None:
        """The meeting fields of a JSON body, if they are as Zoom requires them."""
        try:
            body = request.json()
        except ValueError:
            return None
        valid = (
            request.headers.get("content-type") == "application/json"
            and isinstance(body.get("topic"), str)
            and len(body["topic"]) <= 200
            and len(body.get("agenda", "")) <= 2000
            and body.get("type") == 2
            and self.START_TIME.fullmatch(body.get("start_time", "")) is not None
            and isinstance(body.get("duration"), int)
        )
        return body if valid else None

    def _create(self, request: Request, user: str) -> Answer:
        fields = self._meeting_fields(request)
        if fields is None:
            return zoom_error(400, 300, "Invalid request body.")
        meeting_id = 85000000000 + len(self.meetings) + 1
        meeting = {
            **fields,
            "id": meeting_id,
            "uuid": f"uuid-{meeting_id}==",
            "host_id": "host-user-id",
            "host_email": user if "@" in user else "owner@example.com",
            "status": "waiting",
            "password": "pass123",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd=encoded-passcode",
            "start_url": f"https://zoom.us/s/{meeting_id}?zak=short-lived-host-token",
            "created_at": "2030-01-01T08:00:00Z",
        }
        self.meetings[str(meeting_id)] = meeting
        return 201, meeting
