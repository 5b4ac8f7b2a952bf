import logging

from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

_HEALTH_CACHE_KEY = "health-check"


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: database unavailable")
        return False


def _check_cache() -> bool:
    try:
        cache.set(_HEALTH_CACHE_KEY, "ok", 10)
        return cache.get(_HEALTH_CACHE_KEY) == "ok"
    except Exception:
        logger.exception("Health check: cache unavailable")
        return False


class HealthView(APIView):
    """Liveness and readiness of the web process: database and cache reachable."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        auth=[],
        responses={
            (200, "application/json"): inline_serializer(
                "Health",
                {
                    "status": serializers.ChoiceField(choices=["ok", "error"]),
                    "database": serializers.BooleanField(),
                    "cache": serializers.BooleanField(),
                },
            ),
            (503, "application/json"): inline_serializer(
                "HealthError",
                {
                    "status": serializers.ChoiceField(choices=["ok", "error"]),
                    "database": serializers.BooleanField(),
                    "cache": serializers.BooleanField(),
                },
            ),
        },
    )
    def get(self, request):
        checks = {"database": _check_database(), "cache": _check_cache()}
        healthy = all(checks.values())
        return Response(
            {"status": "ok" if healthy else "error", **checks},
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
