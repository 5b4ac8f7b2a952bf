import logging
import threading

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import health, metrics
from .middleware import is_api_request, server_error_response

logger = logging.getLogger(__name__)

_HEALTH_CHECKS = {
    name: serializers.ChoiceField(choices=health.OUTCOMES, required=False)
    for name in ("database", "migrations", "cache", "redis", "storage", "search")
}


class _HealthView(APIView):
    """Open to anyone (load balancers, orchestrators), never cached, never throttled."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def answer(self, body: dict, code: int) -> Response:
        response = Response(body, status=code)
        patch_cache_control(response, no_store=True)
        return response


class LiveView(_HealthView):
    """Liveness: the process answers requests. Nothing else is checked, so that an
    outage of a shared service never gets every web process restarted."""

    @extend_schema(
        tags=["health"],
        auth=[],
        summary="Liveness: the process answers",
        responses={
            200: inline_serializer(
                "Live", {"status": serializers.ChoiceField(choices=health.OUTCOMES)}
            )
        },
        examples=[OpenApiExample("Alive", value={"status": "ok"}, response_only=True)],
    )
    def get(self, request):
        return self.answer({"status": health.OK}, status.HTTP_200_OK)


_READY_SCHEMA = {
    "tags": ["health"],
    "auth": [],
    "summary": "Readiness: database, migrations, cache, Redis, storage and search",
    "description": (
        "200 when every check passes. 503 when one does not: `unavailable` names "
        "them (the reason is in the server's log). `redis` is checked where Redis is "
        "configured (REDIS_URL)."
    ),
    "responses": {
        (code, "application/json"): inline_serializer(
            name,
            {
                "status": serializers.ChoiceField(choices=health.OUTCOMES),
                "checks": inline_serializer(f"{name}Checks", _HEALTH_CHECKS),
                "unavailable": serializers.ListField(child=serializers.CharField()),
            },
        )
        for code, name in ((200, "Ready"), (503, "NotReady"))
    },
    "examples": [
        OpenApiExample(
            "Ready",
            value={
                "status": "ok",
                "checks": dict.fromkeys(_HEALTH_CHECKS, "ok"),
                "unavailable": [],
            },
            response_only=True,
            status_codes=["200"],
        ),
        OpenApiExample(
            "Redis is down",
            value={
                "status": "unavailable",
                "checks": {
                    **dict.fromkeys(_HEALTH_CHECKS, "ok"),
                    "cache": "unavailable",
                    "redis": "unavailable",
                },
                "unavailable": ["cache", "redis"],
            },
            response_only=True,
            status_codes=["503"],
        ),
    ],
}


class ReadyView(_HealthView):
    """Readiness: every dependency of the process answers (core.health). A load
    balancer sends traffic to the process only while this answers 200."""

    @extend_schema(**_READY_SCHEMA)
    def get(self, request):
        checks = health.run()
        unavailable = [name for name, outcome in checks.items() if outcome != health.OK]
        body = {
            "status": health.UNAVAILABLE if unavailable else health.OK,
            "checks": checks,
            "unavailable": unavailable,
        }
        code = status.HTTP_503_SERVICE_UNAVAILABLE if unavailable else status.HTTP_200_OK
        response = self.answer(body, code)
        # core.health has logged what is unavailable: not a server error again (Django
        # logs every 5xx at ERROR unless told it has been).
        response._has_been_logged = True
        return response


class HealthView(ReadyView):
    """/api/v1/health/, the first health URL: readiness, kept for the clients that use it."""

    @extend_schema(
        **{
            **_READY_SCHEMA,
            "deprecated": True,
            "summary": "Readiness (the first health URL: use /api/v1/health/ready/)",
        }
    )
    def get(self, request):
        return super().get(request)


def metrics_view(request):
    """/metrics: Prometheus's text format, for a scraper holding METRICS_TOKEN or on a
    network of METRICS_ALLOWED_NETWORKS (core.metrics); not served where neither is set."""
    if not metrics.enabled():
        raise Http404("Metrics are not served here.")
    if not metrics.allowed(
        request.headers.get("Authorization", ""), request.META.get("REMOTE_ADDR", "")
    ):
        response = HttpResponse(_("Unauthorized."), status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    patch_cache_control(response, no_store=True)
    return response


_SCHEMA_GENERATION = threading.Lock()


class SchemaView(SpectacularAPIView):
    """`/api/schema/`, generated by one thread at a time: drf-spectacular loads its
    extensions lazily on first use, and two requests generating the schema at once in a
    fresh process would trip over each other (a 500 on the first requests)."""

    def _get_schema_response(self, request):
        with _SCHEMA_GENERATION:
            return super()._get_schema_response(request)


def _api_not_found():
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


def page_not_found(request, exception):
    """handler404: the API answers in its own error format, other pages as Django does."""
    if is_api_request(request):
        return _api_not_found()
    return defaults.page_not_found(request, exception)


@csrf_exempt  # it changes nothing; a CSRF failure page would hide the 404
def unknown_api_path(request, path):
    """The last URL pattern under `api/`: an unknown endpoint answers JSON even with
    DEBUG on, where Django's debug page would otherwise take the place of handler404.
    (CommonMiddleware still redirects a path missing its trailing slash.)"""
    return _api_not_found()


def server_error(request):
    """handler500: the API answers in its own error format, other pages as Django does."""
    if is_api_request(request):
        return server_error_response()
    return defaults.server_error(request)
