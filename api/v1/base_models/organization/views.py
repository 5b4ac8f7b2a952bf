from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from audit.views import AuditHistoryMixin
from core.filtering.backends import ORGANIZATION_FILTER_FIELDS
from core.views import OrganizationScopedViewSetMixin, TreeActionsMixin
from rbac.access import member_organization_ids, permissions_in_org, role_in_org
from rbac.fields import check_writable
from rbac.permissions import HasModelPermissionInOrg, model_permission

from .filters import OrganizationFilter, OrganizationMembershipFilter
from .models import Organization, OrganizationMembership, OrganizationType
from .serializers import (
    MyMembershipSerializer,
    MyPermissionsSerializer,
    OrganizationMembershipSerializer,
    OrganizationMoveSerializer,
    OrganizationSerializer,
    OrganizationTypeSerializer,
    check_role_within,
)

ORG_TAG = ["organizations"]


@extend_schema_view(list=extend_schema(tags=ORG_TAG), retrieve=extend_schema(tags=ORG_TAG))
class OrganizationTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """Organization types (Company, Department, Customer, ...), by name."""

    queryset = OrganizationType.objects.all()
    serializer_class = OrganizationTypeSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "name"
    # Names may hold a slash ("Location/Branch", seeded): the lookup takes the rest of
    # the path, "Location/Branch/" or "Location%2FBranch/" (there are no extra actions).
    lookup_value_regex = ".+"
    filterset_fields = ["name"]
    search_fields = ["name", "description"]
    json_filter_fields = ("name", "description", "created_at")
    ordering_fields = ["name"]


class OrganizationPermission(HasModelPermissionInOrg):
    """HasModelPermissionInOrg, and a create is also let through for holders of the
    global add permission (who may create top-level organizations; the view checks
    the parent of every create)."""

    def has_permission(self, request, view):
        user = request.user
        if (
            getattr(view, "action", None) == "create"
            and user
            and user.is_authenticated
            and user.has_perm(model_permission(Organization, "add"))
        ):
            return True
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(tags=ORG_TAG),
    retrieve=extend_schema(tags=ORG_TAG),
    create=extend_schema(tags=ORG_TAG),
    update=extend_schema(tags=ORG_TAG),
    partial_update=extend_schema(tags=ORG_TAG),
    destroy=extend_schema(tags=ORG_TAG),
)
class OrganizationViewSet(
    TreeActionsMixin, AuditHistoryMixin, OrganizationScopedViewSetMixin, viewsets.ModelViewSet
):
    """Organizations, in their hierarchy.

    You see the organizations where your role may view organizations (rights do not
    flow down the hierarchy: each organization has its own members). Creating a
    sub-organization needs the add permission in its parent, and makes you a member of
    it with your role in the parent; a top-level one needs a superuser (or the global
    add permission). Changing, moving and deleting need the
    change and delete permissions in the organization itself. An organization with
    sub-organizations or records of its own cannot be deleted (409).
    """

    queryset = Organization.objects.select_related(
        "organization_type", "currency", "primary_contact", "primary_address", "parent"
    ).prefetch_related("tags")
    serializer_class = OrganizationSerializer
    tree_schema_tags = ORG_TAG
    permission_classes = [OrganizationPermission]
    organization_lookup = "pk"
    permission_verbs = {
        "descendants": "view",
        "ancestors": "view",
        "children": "view",
        "move": "change",
        "my_permissions": "view",
    }
    filterset_class = OrganizationFilter
    search_fields = ["name", "code"]
    # The parent by id only: a parent is not necessarily visible to the caller.
    json_filter_fields = (
        "id",
        "name",
        "code",
        "status",
        "organization_type",
        "organization_type__name",
        "parent",
        "level",
        "effective_date",
        "end_date",
        "currency",
        "language",
        "timezone",
        "tags__name",
        "created_at",
        "updated_at",
        "custom_fields",
    )
    ordering_fields = ["name", "code", "created_at", "lft", "level"]

    def get_object_organization(self, obj):
        return obj.pk

    def get_queryset(self):
        if self.action == "my_permissions":
            # Any member may ask what they may do, whatever their role.
            organizations = member_organization_ids(self.request.user)
            queryset = Organization.objects.all()
            return queryset if organizations is None else queryset.filter(pk__in=organizations)
        return super().get_queryset()

    def get_permissions(self):
        if self.action == "my_permissions":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    # ---------------------------------------------------------------------- writes
    def check_parent_permission(self, parent) -> None:
        """Creating (or moving) under `parent` needs the add permission there; a
        top-level organization needs a superuser or the global add permission."""
        perm = model_permission(Organization, "add")
        if parent is None:
            if not self.request.user.has_perm(perm):
                raise PermissionDenied(
                    _("Only administrators may create or move top-level organizations.")
                )
        else:
            self.check_organization_permission("add", parent)

    @transaction.atomic
    def perform_create(self, serializer):
        parent = serializer.validated_data.get("parent")
        self.check_parent_permission(parent)
        organization = serializer.save()
        # Rights do not flow down the hierarchy: whoever creates a sub-organization joins
        # it with the role they hold in the parent, to go on managing what they created.
        role_id = role_in_org(self.request.user, parent) if parent is not None else None
        if role_id is not None:
            OrganizationMembership.objects.create(
                user=self.request.user, organization=organization, role_id=role_id
            )

    def perform_update(self, serializer):
        if "parent" in serializer.validated_data:
            parent = serializer.validated_data["parent"]
            if parent != serializer.instance.parent:
                self.check_parent_permission(parent)
        serializer.save()

    # --------------------------------------------------------------------- hierarchy
    @extend_schema(
        tags=ORG_TAG, request=OrganizationMoveSerializer, responses=OrganizationSerializer
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Re-parent this organization (with everything under it). Needs the change
        permission here and the add permission in the new parent; moving under itself
        or one of its descendants is refused (400), and so is a role that may not write
        `parent` (403)."""
        organization = self.get_object()
        check_writable(request, Organization, organization.pk, "parent")
        serializer = OrganizationMoveSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        parent = serializer.validated_data["parent"]
        if parent is not None and (
            parent.pk == organization.pk or parent.is_descendant_of(organization)
        ):
            raise ValidationError(
                {"parent": [_("An organization cannot be moved under itself or its descendants.")]}
            )
        if (
            Organization.objects.filter(parent=parent, name=organization.name)
            .exclude(pk=organization.pk)
            .exists()
        ):
            raise ValidationError(
                {"parent": [_("The new parent already has an organization with this name.")]}
            )
        if parent != organization.parent:
            self.check_parent_permission(parent)
            with transaction.atomic():
                organization.parent = parent
                organization.save()
        organization = self.get_queryset().get(pk=organization.pk)
        return Response(self.get_serializer(organization).data)

    @extend_schema(tags=ORG_TAG, responses=MyPermissionsSerializer)
    @action(detail=True, methods=["get"], url_path="my-permissions")
    def my_permissions(self, request, pk=None):
        """What you may do in this organization: your role and its permissions
        ("app_label.codename"). Any member may ask."""
        organization = self.get_object()
        role_id = role_in_org(request.user, organization)
        role = Group.objects.filter(pk=role_id).values_list("name", flat=True).first()
        return Response(
            {
                "organization": organization.pk,
                "role": role,
                "is_superuser": request.user.is_superuser,
                "permissions": sorted(permissions_in_org(request.user, organization)),
            }
        )


@extend_schema_view(
    list=extend_schema(tags=ORG_TAG),
    retrieve=extend_schema(tags=ORG_TAG),
    create=extend_schema(tags=ORG_TAG),
    update=extend_schema(tags=ORG_TAG),
    partial_update=extend_schema(tags=ORG_TAG),
    destroy=extend_schema(tags=ORG_TAG),
)
class OrganizationMembershipViewSet(
    AuditHistoryMixin, OrganizationScopedViewSetMixin, viewsets.ModelViewSet
):
    """Who belongs to which organization, with which role. For organization
    administrators: the membership permissions of the organization's role apply."""

    queryset = OrganizationMembership.objects.select_related("user", "organization", "role")
    serializer_class = OrganizationMembershipSerializer
    filterset_class = OrganizationMembershipFilter
    search_fields = ["user__username", "user__first_name", "user__last_name", "role__name"]
    json_filter_fields = (
        "id",
        "user",
        "user__username",
        *ORGANIZATION_FILTER_FIELDS,
        "role",
        "role__name",
        "is_active",
        "created_at",
        "updated_at",
    )
    ordering_fields = ["created_at", "user__username", "role__name", "is_active"]

    def perform_destroy(self, instance):
        # As for changes: a membership whose role carries permissions the caller lacks in
        # that organization cannot be removed by them (403).
        check_role_within(
            instance.role, permissions_in_org(self.request.user, instance.organization_id)
        )
        super().perform_destroy(instance)


@extend_schema_view(list=extend_schema(tags=["profiles"]))
class MyMembershipsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your own memberships: the organizations you belong to and your role in each."""

    serializer_class = MyMembershipSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["is_active"]
    ordering_fields = ["created_at"]
    json_filter_fields = (
        *ORGANIZATION_FILTER_FIELDS,
        "role__name",
        "is_active",
        "created_at",
    )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return OrganizationMembership.objects.none()
        return OrganizationMembership.objects.filter(user=self.request.user).select_related(
            "organization", "role"
        )
