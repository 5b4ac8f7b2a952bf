from rest_framework import serializers

from .models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    content_type = serializers.SerializerMethodField(help_text='"app_label.model" of the object.')
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

    def get_content_type(self, log) -> str | None:
        content_type = log.content_type
        return f"{content_type.app_label}.{content_type.model}" if content_type else None
