from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import FieldPermission


class ContentTypeField(serializers.SlugRelatedField):
    """A model as "app_label.model" (e.g. "contact.contact")."""

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", ContentType.objects.all())
        super().__init__(slug_field="model", **kwargs)

    def represent_key(self, key) -> str:
        """The representation of the content type `key`, from Django's cache of content
        types (lists read as rows: rbac.rows)."""
        return self.to_representation(ContentType.objects.get_for_id(key))

    def to_internal_value(self, data):
        if not isinstance(data, str) or data.count(".") != 1:
            self.fail("invalid")
        app_label, model = data.lower().split(".")
        try:
            return self.get_queryset().get(app_label=app_label, model=model)
        except ContentType.DoesNotExist:
            self.fail("does_not_exist", slug_name="model", value=data)

    def to_representation(self, obj):
        return f"{obj.app_label}.{obj.model}"


class RoleSerializer(serializers.ModelSerializer):
    """A role (a Django Group): its permissions as "app_label.codename"."""

    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "name", "permissions"]

    def get_permissions(self, role) -> list[str]:
        return sorted(
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in role.permissions.all()
        )


class FieldPermissionSerializer(serializers.ModelSerializer):
    role = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all())
    role_name = serializers.CharField(source="role.name", read_only=True)
    model = ContentTypeField(source="content_type")

    class Meta:
        model = FieldPermission
        fields = ["id", "role", "role_name", "model", "field_name", "can_read", "can_write"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        candidate = FieldPermission(
            **{
                **{
                    name: getattr(self.instance, name)
                    for name in ("role", "content_type", "field_name", "can_read", "can_write")
                    if self.instance is not None
                },
                **attrs,
            }
        )
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs
