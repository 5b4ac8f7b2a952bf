from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from core.admin import AUDIT_FIELDS

from .models import FieldPermission


@admin.register(FieldPermission)
class FieldPermissionAdmin(admin.ModelAdmin):
    list_display = ("role", "content_type", "field_name", "can_read", "can_write")
    list_filter = ("role", "content_type", "can_read", "can_write")
    list_editable = ("can_read", "can_write")
    search_fields = ("field_name", "role__name", "content_type__model")
    list_select_related = ("role", "content_type")
    readonly_fields = AUDIT_FIELDS


class FieldPermissionInline(admin.TabularInline):
    model = FieldPermission
    extra = 0
    fields = ("content_type", "field_name", "can_read", "can_write")


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(DjangoGroupAdmin):
    """Groups are the roles of organization memberships; their field rules are edited here."""

    inlines = [FieldPermissionInline]
