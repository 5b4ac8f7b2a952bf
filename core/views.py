import logging
import threading

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rbac.access import has_perm_in_org, visible_to
from rbac.permissions import GlobalModelPermissions, HasModelPermissionInOrg, model_permission

from .middleware import is_api_request, server_error_response
from .models import CustomFieldDefinition
from .serializers import CustomFieldDefinitionSerializer

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


class OrganizationScopedViewSetMixin:
    """Tenancy for ViewSets of organization-bound records (core.models.OrganizationScoped).

    - Lists and lookups only reach records of the organizations where the caller's role
      may view the model (superusers: all); anything else is a 404, never a 403, so
      that another organization's records cannot even be confirmed.
    - Update and delete need the change and delete permissions in the record's
      organization (rbac.permissions.HasModelPermissionInOrg).
    - A create names its organization in the payload; it must be one of the caller's
      organizations and their role there must hold the add permission. Moving a
      record to another organization needs the change permission there too.

    Which records those are is `rbac.access.visible_to` (by the model's organization
    path in core.registry).
    """

    permission_classes = [HasModelPermissionInOrg]
    permission_verbs: dict[str, str] = {}

    def get_permission_model(self):
        return self.get_serializer_class().Meta.model

    def get_object_organization(self, obj):
        return obj.organization_id

    def get_queryset(self):
        return visible_to(super().get_queryset(), self.request.user)

    def check_organization_permission(self, verb: str, organization) -> None:
        model = self.get_permission_model()
        if not has_perm_in_org(self.request.user, model_permission(model, verb), organization):
            raise PermissionDenied(
                _("Your role in %(organization)s does not allow you to %(verb)s %(model)s.")
                % {
                    "organization": organization,
                    "verb": verb,
                    "model": model._meta.verbose_name_plural,
                }
            )

    def perform_create(self, serializer):
        organization = serializer.validated_data.get("organization")
        if organization is None:
            raise ValidationError({"organization": [_("This field is required.")]})
        self.check_organization_permission("add", organization)
        serializer.save()

    def perform_update(self, serializer):
        organization = serializer.validated_data.get("organization")
        if organization is not None and organization.pk != serializer.instance.organization_id:
            self.check_organization_permission("change", organization)
        serializer.save()


_SCHEMA_GENERATION = threading.Lock()


class SchemaView(SpectacularAPIView):
    """`/api/schema/`, generated by one thread at a time: drf-spectacular loads its
    extensions lazily on first use, and two requests generating the schema at once in a
    fresh process would trip over each other (a 500 on the first requests)."""

    def _get_schema_response(self, request):
        with _SCHEMA_GENERATION:
            return super()._get_schema_response(request)


TREE_RELATIVES = {
    "descendants": "All {plural} under this one that you may see, in tree order.",
    "ancestors": "The {plural} above this one that you may see, from the top.",
    "children": "The {plural} directly under this one that you may see.",
}


def _tree_action(viewset, relation: str):
    def relatives(self, request, *args, **kwargs):
        nodes = getattr(self.get_tree_node(), f"get_{relation}")()
        visible = self.filter_queryset(self.get_queryset()).filter(pk__in=nodes.values("pk"))
        page = self.paginate_queryset(visible)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    relatives.__name__ = relation
    relatives.__doc__ = TREE_RELATIVES[relation].format(
        plural=str(viewset.queryset.model._meta.verbose_name_plural).lower()
    )
    relatives = action(detail=True, methods=["get"])(relatives)
    return extend_schema(responses=viewset.serializer_class(many=True))(relatives)


class TreeActionsMixin:
    """`descendants/`, `ancestors/` and `children/` of a record of an MPTT tree:
    paginated lists of its relatives the caller may see, narrowed by the list's
    filters (which apply to the relatives, not to the record of the URL)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if getattr(cls, "queryset", None) is None:
            return
        for relation in TREE_RELATIVES:
            if relation not in cls.__dict__:
                setattr(cls, relation, _tree_action(cls, relation))

    def get_tree_node(self):
        """The record of the URL, found without the list's filters."""
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        node = get_object_or_404(
            self.get_queryset(), **{self.lookup_field: self.kwargs[lookup_url_kwarg]}
        )
        self.check_object_permissions(self.request, node)
        return node


class CustomFieldDefinitionViewSet(viewsets.ModelViewSet):
    """The keys the `custom_fields` of each model may hold, with their type, whether
    they are required, their choices and bounds; globally or for one organization.
    Platform configuration: needs the global (staff) permissions on definitions."""

    schema_tags = ["custom fields"]

    queryset = CustomFieldDefinition.objects.select_related("content_type", "organization")
    serializer_class = CustomFieldDefinitionSerializer
    permission_classes = [GlobalModelPermissions]
    filterset_fields = ["organization", "field_type", "required", "is_active", "key"]
    search_fields = ["key", "label", "content_type__model"]
    json_filter_fields = (
        "key",
        "label",
        "field_type",
        "required",
        "is_active",
        "organization",
        "content_type__app_label",
        "content_type__model",
        "created_at",
    )
    ordering_fields = ["key", "id", "created_at"]


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
