"""Where an event happened: the request (client IP, user agent, request id), the
Celery task, or the system (a shell, a management command).

The running task is Celery's current task, or, in a thread it handed work to (which
runs in a copy of its context: core.db.pipeline), the task noted in a context variable
when it started (task_prerun, task_postrun)."""

import re
import uuid
from contextvars import ContextVar

from celery import signals
from crum import get_current_request

from core.http import client_ip

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ATTR = "audit_request_id"
# An incoming X-Request-ID is kept only if it is a sane token (else a new one is made).
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id(incoming: str | None = None) -> str:
    if incoming and _VALID_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_of(request) -> str:
    """The request's id, made the first time it is asked for."""
    django_request = getattr(request, "_request", request)
    request_id = getattr(django_request, _REQUEST_ID_ATTR, None)
    if request_id is None:
        request_id = new_request_id(django_request.META.get("HTTP_X_REQUEST_ID"))
        setattr(django_request, _REQUEST_ID_ATTR, request_id)
    return request_id


def request_context(request) -> tuple[dict, str]:
    """({"ip_address", "user_agent", "method", "path"}, request id) of a request,
    computed once per request."""
    django_request = getattr(request, "_request", request)
    cached = getattr(django_request, "_audit_context", None)
    if cached is None:
        meta = getattr(django_request, "META", {})
        cached = (
            {
                "ip_address": client_ip(django_request),
                "user_agent": meta.get("HTTP_USER_AGENT", "")[:255],
                "method": getattr(django_request, "method", None),
                "path": getattr(django_request, "path", None),
            },
            request_id_of(django_request),
        )
        django_request._audit_context = cached
    return dict(cached[0]), cached[1]


def current_context(request=None) -> tuple[dict, str]:
    """The context of the current event: the given request, crum's current request,
    the running Celery task, or the system."""
    request = request if request is not None else get_current_request()
    if request is not None and hasattr(getattr(request, "_request", request), "META"):
        return request_context(request)
    from celery import current_task

    if current_task and getattr(current_task.request, "id", None):
        return {"source": "task", "task": current_task.name}, current_task.request.id
    running = _running_task.get()
    if running is not None:
        name, task_id = running
        return {"source": "task", "task": name}, task_id
    return {"source": "system"}, ""


# (name, id) of the task running in this context, and the tokens that end it.
_running_task: ContextVar[tuple[str, str] | None] = ContextVar("audit_task", default=None)
_started: dict = {}


@signals.task_prerun.connect(weak=False, dispatch_uid="audit.task_started")
def _task_started(sender=None, task_id=None, task=None, **kwargs):
    _started[task_id] = _running_task.set((task.name, task_id))


@signals.task_postrun.connect(weak=False, dispatch_uid="audit.task_finished")
def _task_finished(sender=None, task_id=None, **kwargs):
    token = _started.pop(task_id, None)
    if token is not None:
        _running_task.reset(token)
