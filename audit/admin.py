import json

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from core.pagination import BoundedCountPagination, BoundedCountPaginator

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only for everyone: no add, change or delete."""

    list_display = ("created_at", "action_type", "user_display", "organization_id", "object_repr")
    list_filter = ("action_type", "content_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("user_repr", "object_repr", "object_id", "request_id")
    list_select_related = ("content_type",)
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action_type",
        "user_display",
        "organization_id",
        "content_type",
        "object_id",
        "object_link",
        "request_id",
        "changes_display",
        "context_display",
    )
    readonly_fields = fields
    # The table grows without bound: no count of every row (core.pagination).
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return BoundedCountPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_limit=BoundedCountPagination().get_count_limit(),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="User")
    def user_display(self, log):
        return log.user_repr or "system"

    @admin.display(description="Object")
    def object_link(self, log):
        label = log.object_repr or log.object_id or "-"
        if log.content_type is None or not log.object_id:
            return label
        model = log.content_type.model_class()
        if model is None or not model._default_manager.filter(pk=log.object_id).exists():
            return label  # gone: the name is what remains
        try:
            url = reverse(
                f"admin:{log.content_type.app_label}_{log.content_type.model}_change",
                args=[log.object_id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="Changes")
    def changes_display(self, log):
        return _pretty(log.changes)

    @admin.display(description="Context")
    def context_display(self, log):
        return _pretty(log.context)


def _pretty(value):
    if value is None:
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))
