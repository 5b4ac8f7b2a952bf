from django.contrib import admin

from .models import Notification, NotificationTemplate


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications as sent, for support: read-only."""

    list_display = (
        "title",
        "recipient",
        "type_code",
        "level",
        "count",
        "email_status",
        "created_at",
        "read_at",
    )
    list_filter = ("level", "email_status", "type_code", "created_at")
    search_fields = ("title", "recipient__username", "type_code")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    """The emails' templates; one that does not compile is refused with the error
    under its field (NotificationTemplate.clean)."""

    list_display = ("type_code", "organization", "language", "subject", "is_active", "updated_at")
    list_filter = ("is_active", "language", "type_code")
    search_fields = ("type_code", "subject")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at", "updated_at", "created_by", "updated_by")
