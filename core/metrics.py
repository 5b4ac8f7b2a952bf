"""Prometheus metrics: what the project counts beyond django-prometheus's HTTP and
database metrics, and who may read them.

- Web processes serve every metric at /metrics (core.views.metrics).
- Celery workers serve theirs on CELERY_METRICS_PORT from the worker's main process
  (`serve_worker_metrics`); tasks are counted and timed by Celery's signals.
- With several processes per container (uvicorn --workers, Celery's prefork pool),
  PROMETHEUS_MULTIPROC_DIR names a directory, emptied when the container starts, where
  each process writes its values; the endpoint adds them up.

Reading them needs `Authorization: Bearer <METRICS_TOKEN>`, or a client address in
METRICS_ALLOWED_NETWORKS; with neither setting the metrics are not served at all.
"""

import hmac
import ipaddress
import logging
import os
import threading
import time
from functools import cache
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import prometheus_client
from django.conf import settings
from prometheus_client import Counter, Gauge, Histogram, multiprocess

logger = logging.getLogger(__name__)

CELERY_TASKS = Counter(
    "erp_celery_tasks_total",
    "Celery tasks run, by task and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
CELERY_TASK_SECONDS = Histogram(
    "erp_celery_task_duration_seconds",
    "Time Celery tasks took to run, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, float("inf")),
)
WEBSOCKET_CONNECTIONS = Gauge(
    "erp_websocket_connections",
    "WebSocket connections open, by path.",
    ["path"],
    multiprocess_mode="livesum",
)
DATA_JOB_ROWS = Counter(
    "erp_data_job_rows_total",
    "Rows processed by import and export jobs (rate() of it: rows per second).",
    ["kind", "model"],
)
NOTIFICATIONS_SENT = Counter(
    "erp_notifications_sent_total",
    "Notifications delivered, by channel (in_app, email).",
    ["channel"],
)


# Who may read them ---------------------------------------------------------------------


@cache
def networks(value: str) -> tuple:
    """METRICS_ALLOWED_NETWORKS read ("10.0.0.0/8, ::1"); ValueError if one is no network
    (a system check reports it at start)."""
    parts = [part.strip() for part in value.split(",")]
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts if part)


def enabled() -> bool:
    return bool(settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS)


def allowed(authorization: str, address: str) -> bool:
    """Whether a request with this Authorization header, from this address, may read
    the metrics."""
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in networks(settings.METRICS_ALLOWED_NETWORKS))


# Exposition ------------------------------------------------------------------------------


def registry():
    """Every process's values where PROMETHEUS_MULTIPROC_DIR is set, else this one's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return prometheus_client.REGISTRY


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, and its content type."""
    return prometheus_client.generate_latest(registry()), prometheus_client.CONTENT_TYPE_LATEST


def metrics_app(environ, start_response):
    """The worker's metrics, as a WSGI application with the same access rule as the web's."""
    if not allowed(environ.get("HTTP_AUTHORIZATION", ""), environ.get("REMOTE_ADDR", "")):
        start_response(
            "401 Unauthorized",
            [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
        )
        return [b"Unauthorized.\n"]
    body, content_type = exposition()
    start_response("200 OK", [("Content-Type", content_type)])
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        logger.debug("metrics: " + format, *args)


def serve_worker_metrics(port: int, address: str = "") -> WSGIServer | None:
    """Serve `metrics_app` on `port` in a daemon thread of this process (the Celery
    worker's main process); None where metrics are off or the port is taken."""
    if not enabled():
        return None
    try:
        server = make_server(address, port, metrics_app, handler_class=_QuietHandler)
    except OSError as error:
        logger.warning("Worker metrics not served on port %s: %s", port, error)
        return None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("Worker metrics served on port %s", server.server_port)
    return server


# WebSocket -------------------------------------------------------------------------------


class CountedConnections:
    """ASGI middleware: the WebSocket connections open, per route, in
    erp_websocket_connections (while the connection's application runs). A path that is
    no route counts as "other": clients choose paths, and every label is a series."""

    def __init__(self, inner, routes):
        self.inner = inner
        self.paths = {f"/{route.pattern}" for route in routes}

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        gauge = WEBSOCKET_CONNECTIONS.labels(path if path in self.paths else "other")
        gauge.inc()
        try:
            return await self.inner(scope, receive, send)
        finally:
            gauge.dec()


# Celery ------------------------------------------------------------------------------------

_started: dict[str, float] = {}


def task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = time.monotonic()


def task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if started is not None:
        CELERY_TASK_SECONDS.labels(name).observe(time.monotonic() - started)
    if state == "SUCCESS":
        CELERY_TASKS.labels(name, "succeeded").inc()


def task_failed(sender=None, **kwargs) -> None:
    CELERY_TASKS.labels(getattr(sender, "name", "unknown"), "failed").inc()


def task_retried(request=None, **kwargs) -> None:
    CELERY_TASKS.labels(getattr(request, "task", "unknown"), "retried").inc()


def process_exited(pid=None, **kwargs) -> None:
    """A pool process ended: its live gauges no longer count (multi-process mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())
