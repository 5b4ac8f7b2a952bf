from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from api.base.views import OrganizationScopedViewSetMixin, ScopedModelViewSet
from audit.views import AuditHistoryMixin
from core.conditional import ConditionalReadMixin
from core.filtering.backends import ORGANIZATION_FILTER_FIELDS
from rbac.access import (
    member_organization_ids,
    organizations_with_perm,
    permissions_in_org,
    role_in_org,
)
from rbac.fields import check_writable
from rbac.permissions import HasModelPermissionInOrg, model_permission
from rbac.rows import RowListMixin

from . import services
from .filters import (
    OrganizationFilter,
    OrganizationInvitationFilter,
    OrganizationMembershipFilter,
)
from .models import Organization, OrganizationInvitation, OrganizationMembership, OrganizationType
from .serializers import (
    InvitationTokenSerializer,
    MyInvitationSerializer,
    MyMembershipSerializer,
    MyPermissionsSerializer,
    OrganizationInvitationSerializer,
    OrganizationMembershipSerializer,
    OrganizationMoveSerializer,
    OrganizationSerializer,
    OrganizationTypeSerializer,
    check_role_within,
)

ORG_TAG = ["organizations"]


class OrganizationTypeViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Organization types (Company, Department, Customer, ...), by name."""

    schema_tags = ORG_TAG

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

    def describe_access(self, view) -> str:
        text = super().describe_access(view)
        if getattr(view, "action", None) == "create":
            text = text.replace("the organization of the new record", "its parent organization")
            text += " A top-level organization: holders of `organization.add_organization`."
        return text


class OrganizationViewSet(ScopedModelViewSet):
    """Organizations, in their hierarchy.

    You see the organizations where your role may view organizations (rights do not
    flow down the hierarchy: each organization has its own members). Creating a
    sub-organization needs the add permission in its parent, and makes you a member of
    it with your role in the parent; a top-level one needs a superuser (or the global
    add permission). Changing, moving and deleting need the
    change and delete permissions in the organization itself. An organization with
    sub-organizations or records of its own cannot be deleted (409).
    """

    schema_tags = ORG_TAG

    queryset = Organization.objects.select_related(
        "organization_type", "currency", "primary_contact", "primary_address", "parent"
    )
    serializer_class = OrganizationSerializer
    permission_classes = [OrganizationPermission]
    permission_verbs = {"move": "change", "my_permissions": "view"}
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


LAST_ADMINISTRATOR = OpenApiResponse(
    inline_serializer(
        "LastAdministrator",
        {
            "detail": serializers.CharField(),
            "code": serializers.ChoiceField(choices=[("last_administrator", "last_administrator")]),
        },
    ),
    description="The organization would be left without an administrator.",
)


@extend_schema_view(
    update=extend_schema(
        responses={200: OrganizationMembershipSerializer, 409: LAST_ADMINISTRATOR},
    ),
    partial_update=extend_schema(
        responses={200: OrganizationMembershipSerializer, 409: LAST_ADMINISTRATOR},
    ),
    destroy=extend_schema(responses={204: None, 409: LAST_ADMINISTRATOR}),
)
class OrganizationMembershipViewSet(ScopedModelViewSet):
    """Who belongs to which organization, with which role. For organization
    administrators: the membership permissions of the organization's role apply.

    A user is added directly only when already an active member of one of your
    organizations; anybody else is invited by email (`/organization-invitations/`).
    The last administrator of an organization cannot be removed, deactivated or demoted
    (409 `last_administrator`).
    """

    schema_tags = ORG_TAG

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


# -------------------------------------------------------------------------- invitations
INVITATION_TAG = ["invitations"]
INVITATION_CODES = [
    (code, code)
    for code in (
        "invitation_accepted",
        "invitation_declined",
        "invitation_revoked",
        "invitation_superseded",
        "already_member",
    )
]
InvitationRefused = inline_serializer(
    "InvitationRefused",
    {"detail": serializers.CharField(), "code": serializers.ChoiceField(choices=INVITATION_CODES)},
)
InvitationExpired = inline_serializer(
    "InvitationExpired",
    {
        "detail": serializers.CharField(),
        "code": serializers.ChoiceField(choices=[("invitation_expired", "invitation_expired")]),
    },
)
NOT_FOUND = OpenApiResponse(description="No such invitation (for you).")
NOT_PENDING = OpenApiResponse(
    InvitationRefused, description="Already accepted, declined or revoked (or already a member)."
)
EXPIRED = OpenApiResponse(InvitationExpired, description="The invitation has expired.")


@extend_schema_view(
    list=extend_schema(tags=INVITATION_TAG),
    retrieve=extend_schema(tags=INVITATION_TAG),
    create=extend_schema(tags=INVITATION_TAG),
)
class OrganizationInvitationViewSet(
    RowListMixin,
    ConditionalReadMixin,
    AuditHistoryMixin,
    OrganizationScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations to join your organizations, by email.

    Whoever may add members to an organization (`organization.add_organizationmembership`
    there) invites people by email with a role within their own permissions, lists the
    organization's invitations, resends and revokes them. The invitee accepts or declines
    at `/invitations/`.
    """

    queryset = OrganizationInvitation.objects.select_related("organization", "role", "invited_by")
    serializer_class = OrganizationInvitationSerializer
    filterset_class = OrganizationInvitationFilter
    search_fields = ["email", "role__name"]
    json_filter_fields = (
        "id",
        "email",
        *ORGANIZATION_FILTER_FIELDS,
        "role",
        "role__name",
        "expires_at",
        "created_at",
        "accepted_at",
    )
    ordering_fields = ["created_at", "expires_at", "email", "status"]
    # Invitations are memberships in the making: every action needs the permission to
    # add members in the invitation's organization.
    permission_verbs = {
        "list": "add",
        "retrieve": "add",
        "resend": "add",
        "revoke": "add",
    }

    def get_permission_model(self):
        return OrganizationMembership

    def get_queryset(self):
        queryset = self.queryset.all()
        perm = model_permission(OrganizationMembership, "add")
        organizations = organizations_with_perm(self.request.user, perm)
        if organizations is None:
            return queryset
        return queryset.filter(organization__in=organizations)

    def perform_create(self, serializer):
        # The serializer checked the permission to invite (before telling anything
        # about the organization's pending invitations).
        serializer.save()

    @extend_schema(
        tags=INVITATION_TAG,
        request=None,
        responses={200: OrganizationInvitationSerializer, 409: NOT_PENDING},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Send the invitation again with a new token (the previous one stops working)
        and a new expiry; an expired invitation becomes pending again."""
        invitation = services.resend_invitation(self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)

    @extend_schema(
        tags=INVITATION_TAG,
        request=None,
        responses={200: OrganizationInvitationSerializer, 409: NOT_PENDING},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Withdraw an invitation that has not been accepted or declined."""
        invitation = services.revoke_invitation(self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)


@extend_schema_view(
    list=extend_schema(tags=INVITATION_TAG),
    retrieve=extend_schema(tags=INVITATION_TAG),
)
class MyInvitationViewSet(
    RowListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your pending invitations: those sent to your account's email address (in any
    letter case) and not expired. Accept one with the token of its email, or by id."""

    serializer_class = MyInvitationSerializer
    permission_classes = [permissions.IsAuthenticated]
    ordering_fields = ["created_at", "expires_at"]
    json_filter_fields = (*ORGANIZATION_FILTER_FIELDS, "role__name", "created_at", "expires_at")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return OrganizationInvitation.objects.none()
        return services.pending_invitations_for(self.request.user).select_related(
            "organization", "role", "invited_by"
        )

    def _token(self, request) -> str:
        body = InvitationTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["token"]

    def _accept(self, request, invitation):
        membership = services.accept_invitation(invitation, request.user)
        membership = OrganizationMembership.objects.select_related("organization", "role").get(
            pk=membership.pk
        )
        return Response(MyMembershipSerializer(membership).data)

    def _decline(self, invitation):
        invitation = services.decline_invitation(invitation)
        invitation = OrganizationInvitation.objects.select_related(
            "organization", "role", "invited_by"
        ).get(pk=invitation.pk)
        return Response(MyInvitationSerializer(invitation).data)

    @extend_schema(
        tags=INVITATION_TAG,
        operation_id="invitations_accept_by_token",
        request=InvitationTokenSerializer,
        responses={200: MyMembershipSerializer, 404: NOT_FOUND, 409: NOT_PENDING, 410: EXPIRED},
    )
    @action(detail=False, methods=["post"], url_path="accept")
    def accept_token(self, request):
        """Accept the invitation of this token: you join its organization with its role
        (your inactive membership there, if any, is reactivated). Answers your new
        membership. A token of another address is a 404, like an unknown one."""
        return self._accept(
            request, services.find_invitation(request.user, token=self._token(request))
        )

    @extend_schema(
        tags=INVITATION_TAG,
        operation_id="invitations_decline_by_token",
        request=InvitationTokenSerializer,
        responses={200: MyInvitationSerializer, 404: NOT_FOUND, 409: NOT_PENDING, 410: EXPIRED},
    )
    @action(detail=False, methods=["post"], url_path="decline")
    def decline_token(self, request):
        """Decline the invitation of this token."""
        return self._decline(services.find_invitation(request.user, token=self._token(request)))

    @extend_schema(
        tags=INVITATION_TAG,
        request=None,
        responses={200: MyMembershipSerializer, 404: NOT_FOUND, 409: NOT_PENDING, 410: EXPIRED},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept one of your invitations by id."""
        return self._accept(request, services.find_invitation(request.user, pk=self._pk(pk)))

    @extend_schema(
        tags=INVITATION_TAG,
        request=None,
        responses={200: MyInvitationSerializer, 404: NOT_FOUND, 409: NOT_PENDING, 410: EXPIRED},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline one of your invitations by id."""
        return self._decline(services.find_invitation(request.user, pk=self._pk(pk)))

    @staticmethod
    def _pk(value) -> int:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise NotFound from None
        if not 0 < pk < 2**63:
            raise NotFound
        return pk
