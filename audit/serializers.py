from rest_framework import serializers

from rbac.serializers import ContentTypeField

from .models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    content_type = ContentTypeField(
        read_only=True, allow_null=True, help_text='"app_label.model" of the object.'
    )
    user = serializers.IntegerField(source="user_id", allow_null=True)
    organization = serializers.IntegerField(source="organization_id", allow_null=True)

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "action_type",
            "user",
            "user_repr",
            "organization",
            "content_type",
            "object_id",
            "object_repr",
            "changes",
            "context",
            "request_id",
        ]
        read_only_fields = fields
