import mimetypes

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from api.v1.base_models.files.uploads import check_upload
from core.serializers import CustomFieldsSerializerMixin
from core.validators import FileSizeValidator

from .models import UserProfile, validate_manager
from .services import colleagues, update_profile

# The types a profile picture may have, sniffed from its content.
PROFILE_PICTURE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")

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
        request = self.context.get("request")
        return colleagues(request.user) if request else User.objects.none()


class ProfilePictureField(serializers.ImageField):
    """An image upload (multipart), checked by the file layer (its type sniffed from
    the content among PROFILE_PICTURE_TYPES, virus scanning when configured); read as
    the URL of the picture's permission-checked download."""

    def to_internal_value(self, data):
        image = super().to_internal_value(data)
        checked = check_upload(image, image.name or "", allowed_types=PROFILE_PICTURE_TYPES)
        # The stored name's extension is the content's, not the client's.
        image.name = f"picture{mimetypes.guess_extension(checked.mime_type) or ''}"
        return image

    def to_representation(self, value):
        if not value:
            return None
        path = reverse("api-v1:profile-picture", args=[value.instance.user_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class UserProfileSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    phone_number = PhoneNumberField(required=False, allow_blank=True)
    profile_picture = ProfilePictureField(
        required=False,
        allow_null=True,
        validators=[FileSizeValidator("PROFILE_PICTURE_MAX_SIZE")],
        help_text="Image upload (multipart/form-data); null removes the picture. Read: "
        "the URL of its download (your colleagues may fetch it).",
    )
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
