"""A webhook receiver on loopback, for the tests of outgoing webhooks: an HTTP server in a
thread of the test process, on 127.0.0.1 (or ::1) and a port the system picks.

    with WebhookReceiver() as receiver:
        deliver(url=f"{receiver.url}/hook", body=b"{}")
        (request,) = receiver.requests

Every request is recorded as it arrives, before it is answered (`requests`: method,
path, headers, body as received). The answer is `status`, with `headers` and `body`,
after `delay` seconds; each may be changed between requests. Leaving the block stops the
server and cuts a delay short. Given an `ssl_context` (server side, with a certificate
loaded), it serves https. Request bodies are read by their Content-Length (no chunked
encoding).
"""

import socket
import ssl
import threading
from dataclasses import dataclass
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: HTTPMessage  # case-insensitive .get(), .items() in the order received
    body: bytes


class _Server(ThreadingHTTPServer):
    receiver: "WebhookReceiver"

    def handle_error(self, request, client_address):
        # A client gone (timed out, refused the certificate) is what some tests do.
        pass


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def _receive(self):
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver._record(ReceivedRequest(self.command, self.path, self.headers, body))
        if receiver.delay:
            receiver._closing.wait(receiver.delay)
        status, headers, answer = receiver.status, dict(receiver.headers), receiver.body
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer)
        except OSError:
            pass  # the client left

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _receive


class WebhookReceiver:
    """An HTTP server on loopback recording the requests it receives (a context manager:
    listening inside the block)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.host = host
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.delay = delay
        self.ssl_context = ssl_context
        self.requests: list[ReceivedRequest] = []
        self._received = threading.Condition()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The receiver is not listening.")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The receiver's base URL, without a final slash: http://127.0.0.1:<port>."""
        scheme = "https" if self.ssl_context else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def _record(self, request: ReceivedRequest) -> None:
        with self._received:
            self.requests.append(request)
            self._received.notify_all()

    def wait(self, count: int = 1, timeout: float = 5) -> list[ReceivedRequest]:
        """The requests received once there are `count` of them (AssertionError if they
        do not come within `timeout` seconds)."""
        with self._received:
            if not self._received.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} requests received, not {count}")
            return list(self.requests)

    def __enter__(self) -> "WebhookReceiver":
        server_class = _Server6 if ":" in self.host else _Server
        server = server_class((self.host, 0), _Handler)
        server.receiver = self
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server = server
        self._closing.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
