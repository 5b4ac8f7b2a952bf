from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications as sent, for support: read-only."""

    list_display = ("title", "recipient", "type_code", "level", "count", "created_at", "read_at")
    list_filter = ("level", "type_code", "created_at")
    search_fields = ("title", "recipient__username", "type_code")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
