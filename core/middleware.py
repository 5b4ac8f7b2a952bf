"""Middleware at the edge of the API."""

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse
from django.utils.log import log_response
from django.utils.translation import gettext as _

from .inputs import form_errors, query_param_max_length


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def server_error_response() -> JsonResponse:
    """The body of every 500 of the API, as docs/api.md documents it."""
    return JsonResponse(
        {"detail": _("A server error occurred."), "code": "server_error"}, status=500
    )


class RequestGuardMiddleware:
    """Refuses URLs no database can compare with (Django has already replaced bytes
    that are not UTF-8):

    - a path holding a NUL character names no record: 404;
    - a query parameter holding one, or longer than QUERY_PARAM_MAX_LENGTH characters:
      400, for the API with DRF's field-error shape keyed by parameter.

    Every lookup, list filter, search, ordering and the Admin's pages sit behind it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if is_api_request(request):
                return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
            return HttpResponseNotFound(_("Not found."))
        errors = (
            form_errors(request.GET, max_length=query_param_max_length()) if request.GET else None
        )
        if errors:
            if is_api_request(request):
                return JsonResponse(errors, status=400)
            return HttpResponseBadRequest(_("Bad request: invalid query string."))
        return self.get_response(request)


class ApiServerErrorMiddleware:
    """With DEBUG on, an unexpected exception in an API view still answers the
    documented JSON 500, where Django would render its HTML debug page (the traceback
    is in the log). With DEBUG off Django's own handling applies, and handler500
    (core.views.server_error) gives the same body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (settings.DEBUG and is_api_request(request)):
            return None
        # As Django's handler does: error reporters and the test client listen to it.
        got_request_exception.send(sender=None, request=request)
        response = server_error_response()
        log_response(
            "%s: %s",
            "Internal Server Error",
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response


class ProbeMiddleware:
    """Health probes and metric scrapes reach their views whatever Host header they
    send: an orchestrator probes a container by its address, which ALLOWED_HOSTS does
    not list, and Django would refuse it (400) before any view. These views build no
    URL from the host, so the check protects nothing there. Every other path goes on
    through the rest of the middleware, host check included."""

    def __init__(self, get_response):
        from .views import HealthView, LiveView, ReadyView, metrics_view

        self.get_response = get_response
        self.views = {
            "/api/v1/health/live/": LiveView.as_view(),
            "/api/v1/health/ready/": ReadyView.as_view(),
            "/api/v1/health/": HealthView.as_view(),
            "/metrics": metrics_view,
        }

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is None:
            return self.get_response(request)
        response = view(request)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        return response
