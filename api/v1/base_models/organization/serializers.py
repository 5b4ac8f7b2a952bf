from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from api.base.serializers import MemberOrganizationField, ScopedModelSerializer
from api.v1.base_models.common.models import Address, Currency
from api.v1.base_models.common.serializers import AddressSerializer
from core.serializers import UniqueGuardMixin
from core.utils import exists_besides
from rbac.access import has_perm_in_org, permissions_in_org
from rbac.fields import FieldPermissionSerializerMixin
from rbac.rows import ComputedChoiceField

from .choices import InvitationStatus
from .models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationType,
)
from .services import colleagues_of, create_invitation, normalize_email

User = get_user_model()


class OrganizationTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganizationType
        fields = ["name", "description"]
        read_only_fields = fields


class OwnContactField(serializers.PrimaryKeyRelatedField):
    """A contact of the organization the serializer edits (none while it is created)."""

    def get_queryset(self):
        from api.v1.base_models.contact.models import Contact

        organization = getattr(self.parent, "instance", None)
        if isinstance(organization, Organization):
            return Contact.objects.filter(organization=organization)
        return Contact.objects.none()


class OrganizationSerializer(ScopedModelSerializer):
    """An organization. `parent` is one of the caller's organizations (or null for a
    top-level one); `primary_address` is written nested; `primary_contact` is a contact
    of this organization."""

    organization_type = serializers.PrimaryKeyRelatedField(
        queryset=OrganizationType.objects.all(), help_text="Name of the organization type."
    )
    organization_type_name = serializers.CharField(source="organization_type.name", read_only=True)
    parent = MemberOrganizationField(
        required=False, allow_null=True, help_text="Id of the parent organization, or null."
    )
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="ISO 4217 code of the default currency.",
    )
    primary_address = AddressSerializer(required=False, allow_null=True)
    primary_contact = OwnContactField(
        required=False,
        allow_null=True,
        help_text="Id of a contact of this organization (set once the organization exists).",
    )

    record_organization = "pk"  # the field rules of an organization are its own

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "code",
            "organization_type",
            "organization_type_name",
            "status",
            "parent",
            "level",
            "effective_date",
            "end_date",
            "primary_contact",
            "primary_address",
            "currency",
            "timezone",
            "language",
            "tags",
            "metadata",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "level", "created_at", "updated_at"]
        # Checked in validate() with clear messages (case-insensitive code, name per parent).
        validators = []

    # FieldPermissionSerializerMixin: an organization's own rules apply to it; a new
    # one takes the rules of its parent.
    def get_target_organization(self, attrs):
        if self.instance is not None:
            return self.instance.pk
        parent = attrs.get("parent")
        return parent.pk if parent else None

    def get_custom_fields_organization(self, attrs):
        if self.instance is not None:
            return self.instance
        return attrs.get("parent")

    def validate_code(self, value):
        value = value.strip()
        if exists_besides(Organization.objects.filter(code__iexact=value), self.instance):
            raise serializers.ValidationError(_("An organization with this code already exists."))
        return value

    def validate_metadata(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Metadata must be a JSON object."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance

        def current(name):
            return attrs[name] if name in attrs else getattr(instance, name, None)

        parent, name = current("parent"), current("name")
        if (
            instance is not None
            and parent is not None
            and (parent.pk == instance.pk or parent.is_descendant_of(instance))
        ):
            raise serializers.ValidationError(
                {"parent": [_("An organization cannot be moved under itself or its descendants.")]}
            )
        if exists_besides(Organization.objects.filter(parent=parent, name=name), instance):
            raise serializers.ValidationError(
                {"name": [_("An organization with this name already exists at this level.")]}
            )
        start, end = current("effective_date"), current("end_date")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [_("The end date must not be before the effective date.")]}
            )
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        address = validated_data.pop("primary_address", None)
        if address is not None:
            validated_data["primary_address"] = Address.objects.create(**address)
        return super().create(validated_data)

    @transaction.atomic
    def update(self, instance, validated_data):
        if "primary_address" in validated_data:
            address = validated_data.pop("primary_address")
            current = instance.primary_address
            if address is None:
                instance.primary_address = None
                if current is not None:
                    instance.save(update_fields=["primary_address"])
                    current.delete()
            elif current is not None:
                AddressSerializer().update(current, address)
            else:
                instance.primary_address = Address.objects.create(**address)
        return super().update(instance, validated_data)


class OrganizationMoveSerializer(serializers.Serializer):
    parent = MemberOrganizationField(
        allow_null=True, help_text="Id of the new parent organization, or null for top level."
    )


class MyPermissionsSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    role = serializers.CharField(allow_null=True)
    is_superuser = serializers.BooleanField()
    permissions = serializers.ListField(child=serializers.CharField())


class ColleagueField(serializers.PrimaryKeyRelatedField):
    """An active user who already shares one of the caller's organizations (any active
    user for a superuser). Other users are reported exactly like ids that do not exist:
    a payload cannot tell whether a user exists elsewhere."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return User.objects.none()
        return colleagues_of(request.user)


def membership_taken(user, organization, exclude=None) -> bool:
    return exists_besides(
        OrganizationMembership.objects.filter(user=user, organization=organization), exclude
    )


class OrganizationMembershipSerializer(
    UniqueGuardMixin, FieldPermissionSerializerMixin, serializers.ModelSerializer
):
    """A user's membership of an organization, with its role.

    Nobody grants more than they hold: the role given must not carry permissions the
    caller lacks in that organization, and a membership whose role does cannot be
    changed or removed by the caller (superusers excepted). Only users who already
    share one of the caller's organizations are added directly (others are invited),
    and a membership's user never changes.
    """

    organization = MemberOrganizationField()
    user = ColleagueField(
        help_text=(
            "Id of an active user who is already an active member of one of your "
            "organizations; anybody else is invited by email (organization-invitations)."
        )
    )
    role = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), help_text="Id of the role (a Group)."
    )
    username = serializers.CharField(source="user.username", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)

    class Meta:
        model = OrganizationMembership
        fields = [
            "id",
            "user",
            "username",
            "organization",
            "organization_name",
            "role",
            "role_name",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # one membership per user and organization: unique_errors

    unique_names = ("user", "organization")

    def unique_errors(self, values: dict) -> dict:
        if membership_taken(values.get("user"), values.get("organization"), self.instance):
            return {
                "non_field_errors": [_("This user already has a membership in this organization.")]
            }
        return {}

    def create(self, validated_data):
        return self._guarded(
            lambda: super(OrganizationMembershipSerializer, self).create(validated_data)
        )

    def update(self, instance, validated_data):
        return self._guarded(
            lambda: super(OrganizationMembershipSerializer, self).update(instance, validated_data)
        )

    def validate_user(self, value):
        if self.instance is not None and value.pk != self.instance.user_id:
            raise serializers.ValidationError(
                _("The user of a membership cannot be changed: add a membership instead.")
            )
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        request = self.context.get("request")
        organization = attrs.get("organization", getattr(self.instance, "organization", None))
        if request is not None and organization is not None:
            held = permissions_in_org(request.user, organization)
            if self.instance is not None:
                check_role_within(self.instance.role, held)
            if "role" in attrs:
                check_role_within(attrs["role"], held)
        self._check_unique(attrs)
        return attrs


def role_permissions(role) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in role.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def check_role_within(role, held: set[str]) -> None:
    """403 when `role` carries permissions outside `held` (no one grants more than they hold)."""
    if role_permissions(role) - held:
        raise PermissionDenied(
            _("The role %(role)s has permissions you do not hold in this organization.")
            % {"role": role.name}
        )


class MyMembershipSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)

    class Meta:
        model = OrganizationMembership
        fields = [
            "id",
            "organization",
            "organization_name",
            "organization_code",
            "role",
            "role_name",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


# -------------------------------------------------------------------------- invitations
INVITE_PERMISSION = "organization.add_organizationmembership"


class InvitationNamesMixin(serializers.Serializer):
    """The names and the effective status every view of an invitation shows."""

    organization_name = serializers.CharField(source="organization.name", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    status = ComputedChoiceField(
        OrganizationInvitation.status_at,
        ["status", "expires_at"],
        choices=InvitationStatus.choices,
        help_text="A pending invitation past `expires_at` reads as expired.",
    )
    invited_by_username = serializers.CharField(
        source="invited_by.username", read_only=True, allow_null=True
    )


class OrganizationInvitationSerializer(
    UniqueGuardMixin, InvitationNamesMixin, serializers.ModelSerializer
):
    """An invitation to join an organization, as its administrators see it.

    Created with `organization`, `email` and `role`: the role must be within the
    caller's permissions there. The answer is the same whether or not the address
    belongs to an account. The token is never shown: only the invitee's email holds it.
    """

    organization = MemberOrganizationField()
    email = serializers.EmailField(max_length=254, help_text="Address to send the invitation to.")
    role = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), help_text="Id of the role (a Group) offered."
    )
    unique_names = ("organization", "email")

    class Meta:
        model = OrganizationInvitation
        fields = [
            "id",
            "organization",
            "organization_name",
            "email",
            "role",
            "role_name",
            "status",
            "invited_by",
            "invited_by_username",
            "expires_at",
            "sent_at",
            "send_count",
            "accepted_at",
            "membership",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "invited_by",
            "expires_at",
            "sent_at",
            "send_count",
            "accepted_at",
            "membership",
            "created_at",
            "updated_at",
        ]

    def validate_email(self, value):
        return normalize_email(value)

    def unique_errors(self, values: dict) -> dict:
        pending = OrganizationInvitation.objects.filter(
            organization=values.get("organization"),
            email=values.get("email"),
            status=InvitationStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        if pending.exists():
            return {
                "email": [_("An invitation to this address is pending already: resend it instead.")]
            }
        return {}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        request = self.context["request"]
        organization = attrs["organization"]
        # Who may not invite here learns nothing about the invitations of the organization.
        if not has_perm_in_org(request.user, INVITE_PERMISSION, organization):
            raise PermissionDenied(
                _("Your role in %(organization)s does not allow you to invite members.")
                % {"organization": organization}
            )
        check_role_within(attrs["role"], permissions_in_org(request.user, organization))
        self._check_unique(attrs)
        return attrs

    def create(self, validated_data):
        return self._guarded(
            lambda: create_invitation(invited_by=self.context["request"].user, **validated_data)
        )


class MyInvitationSerializer(InvitationNamesMixin, serializers.ModelSerializer):
    """An invitation addressed to you (matched by your account's email)."""

    class Meta:
        model = OrganizationInvitation
        fields = [
            "id",
            "organization",
            "organization_name",
            "email",
            "role",
            "role_name",
            "status",
            "invited_by_username",
            "expires_at",
            "created_at",
        ]
        read_only_fields = fields


class InvitationTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The token of the invitation email.")
