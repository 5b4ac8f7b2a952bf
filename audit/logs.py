"""Logs: one line per request, and the request's identity on every line logged while
it is served.

- `RequestLogMiddleware` logs each request once, when its response is ready, to the
  "erp.requests" logger: method, path, status, duration, and who (request id, user id,
  organization id, client address). The request id is the one the audit rows of the
  request carry and the X-Request-ID header returns.
- `RequestContextFilter`, on the log handler, gives every other record logged during a
  request (a server error's traceback included, logged once by Django) the same request
  id and user id, so that a line can be traced to its request.

The format is chosen by DJANGO_LOG_FORMAT (config/settings/base.py): "json" (one JSON
object per line, python-json-logger; the production default) or "plain" (readable, for
`make run`).
"""

import logging
import time

from crum import get_current_request
from django.http import HttpRequest

from .context import request_id_of

logger = logging.getLogger("erp.requests")

_ORGANIZATION_ATTR = "log_organization_id"


def note_organization(request, organization_id) -> None:
    """The organization a request acts in, for its log line (the base views say so when
    they resolve a record or create one)."""
    organization_id = getattr(organization_id, "pk", organization_id)
    setattr(getattr(request, "_request", request), _ORGANIZATION_ATTR, organization_id)


def _organization_of(request):
    noted = getattr(request, _ORGANIZATION_ATTR, None)
    if noted is not None:
        return noted
    named = request.GET.get("organization", "")
    return int(named) if named.isdigit() and len(named) < 19 else None


def _user_id(request):
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """One INFO line per request (see the module's docstring). Health probes and metric
    scrapes, which come every few seconds, are logged at DEBUG."""

    QUIET_PATHS = ("/api/v1/health/live/", "/api/v1/health/ready/", "/api/v1/health/", "/metrics")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        level = logging.DEBUG if request.path in self.QUIET_PATHS else logging.INFO
        if logger.isEnabledFor(level):
            logger.log(
                level,
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "request_id": request_id_of(request),
                    "user_id": _user_id(request),
                    "organization_id": _organization_of(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "client_ip": request.META.get("REMOTE_ADDR", ""),
                },
            )
        return response


class RequestContextFilter(logging.Filter):
    """Adds the request's id and user id to records that have none: the request Django
    attaches to its own records (a server error's), else the one being served."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)
            if not isinstance(request, HttpRequest):  # django.server's is a socket handler
                request = get_current_request()
            if request is not None:
                record.request_id = request_id_of(request)
                record.user_id = _user_id(request)
        return True
