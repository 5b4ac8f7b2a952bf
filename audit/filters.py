import django_filters

from core.filters import ContentTypeFilter, FilterSet, created_between

from .models import AuditLog


class AuditLogFilter(FilterSet):
    user = django_filters.NumberFilter(field_name="user_id")
    organization = django_filters.NumberFilter(field_name="organization_id")
    content_type = ContentTypeFilter(help_text='"app_label.model", e.g. "contact.contact".')
    created_after, created_before = created_between()

    class Meta:
        model = AuditLog
        fields = [
            "user",
            "organization",
            "action_type",
            "content_type",
            "object_id",
            "request_id",
            "created_after",
            "created_before",
        ]
