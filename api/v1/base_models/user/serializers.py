from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from core.serializers import CustomFieldsSerializerMixin
from rbac.access import member_organization_ids

from .models import UserProfile, validate_manager
from .services import update_profile

User = get_user_model()


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name"]
        read_only_fields = fields


class ColleagueField(serializers.PrimaryKeyRelatedField):
    """An active user who shares an active membership of an organization with the caller
    (any active user for a superuser; nobody for a caller of no organization). Every
    other id is reported like an id that does not exist: a payload cannot be used to
    learn which user ids exist."""

    def get_queryset(self):
        users = User.objects.filter(is_active=True)
        request = self.context.get("request")
        organizations = member_organization_ids(request.user) if request else []
        if organizations is None:  # a superuser
            return users
        return users.filter(
            organization_memberships__organization__in=organizations,
            organization_memberships__is_active=True,
        ).distinct()


class UserProfileSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    phone_number = PhoneNumberField(required=False, allow_blank=True)
    manager = ColleagueField(
        required=False,
        allow_null=True,
        help_text="Id of the user's manager: an active user of one of your organizations.",
    )

    class Meta:
        model = UserProfile
        fields = [
            "user",
            "job_title",
            "employee_id",
            "phone_number",
            "manager",
            "language",
            "timezone",
            "date_format",
            "time_format",
            "notification_preferences",
            "custom_fields",
            "profile_picture",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "profile_picture": {
                "help_text": "Image upload (multipart/form-data); null removes the picture."
            },
        }

    def validate_employee_id(self, value):
        # Blank means "none": stored as NULL so that it does not collide with others.
        return value or None

    def validate_manager(self, value):
        try:
            validate_manager(self.instance.user, value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def update(self, instance, validated_data):
        return update_profile(instance, validated_data)
