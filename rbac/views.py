from django.contrib.auth.models import Group
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from core.conditional import ConditionalReadMixin, ConditionalRequestMixin

from .access import organizations_with_perm
from .models import FieldPermission
from .permissions import GlobalModelPermissions
from .serializers import FieldPermissionSerializer, RoleSerializer

TAGS = ["roles and permissions"]


class CanListRoles(permissions.BasePermission):
    """Superusers, staff with the global view permission on groups, and organization
    administrators (who may assign roles: they hold the add or change permission on
    memberships somewhere)."""

    def describe_access(self, view) -> str:
        return (
            "Superusers, staff holding `auth.view_group`, and users whose role holds "
            "`organization.add_organizationmembership` or "
            "`organization.change_organizationmembership` in an organization."
        )

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.has_perm("auth.view_group"):
            return True
        return any(
            organizations_with_perm(user, f"organization.{verb}_organizationmembership")
            for verb in ("add", "change")
        )


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="List roles"),
    retrieve=extend_schema(tags=TAGS, summary="Get a role"),
)
class RoleViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Roles that memberships can give, with their permissions. Roles are managed in the
    Admin (Groups)."""

    queryset = Group.objects.prefetch_related("permissions__content_type")
    serializer_class = RoleSerializer
    permission_classes = [CanListRoles]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    json_filter_fields = (
        "id",
        "name",
        "permissions__codename",
        "permissions__content_type__app_label",
    )
    ordering = ["name"]


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(tags=TAGS),
    create=extend_schema(tags=TAGS),
    update=extend_schema(tags=TAGS),
    partial_update=extend_schema(tags=TAGS),
    destroy=extend_schema(tags=TAGS),
)
class FieldPermissionViewSet(ConditionalRequestMixin, viewsets.ModelViewSet):
    """Field-level rules per role and model: `can_read: false` hides a field from the
    role, `can_write: false` makes it read-only. Platform configuration: needs the global
    (staff) permissions on field permissions."""

    queryset = FieldPermission.objects.select_related("role", "content_type")
    serializer_class = FieldPermissionSerializer
    permission_classes = [GlobalModelPermissions]
    filterset_fields = ["role", "field_name", "can_read", "can_write"]
    search_fields = ["field_name", "role__name", "content_type__model"]
    json_filter_fields = (
        "role",
        "role__name",
        "content_type__app_label",
        "content_type__model",
        "field_name",
        "can_read",
        "can_write",
    )
    ordering_fields = ["role__name", "field_name", "id"]
