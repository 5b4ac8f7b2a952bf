"""Rooms for support and moderation: who is in them (added and removed here, audited),
their messages read-only (a message is its sender's), and archiving."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS

from . import services
from .models import ChatMessage, ChatParticipant, ChatRoom


class ParticipantInline(admin.TabularInline):
    model = ChatParticipant
    fk_name = "room"
    extra = 0
    fields = ("user", "role", "last_read_sequence", "created_at")
    readonly_fields = ("last_read_sequence", "created_at")
    autocomplete_fields = ("user",)


class MessageInline(admin.TabularInline):
    """The room's messages, read-only: the history as it was written."""

    model = ChatMessage
    fk_name = "room"
    extra = 0
    can_delete = False
    fields = ("sequence", "sender", "content", "parent", "edited_at", "deleted_at", "created_at")
    readonly_fields = fields
    ordering = ("-sequence",)
    verbose_name_plural = _("Messages (newest first)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChatRoom)
class ChatRoomAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "organization",
        "room_type",
        "last_sequence",
        "is_archived",
        "updated_at",
    )
    list_filter = ("room_type", "is_archived", "organization")
    search_fields = ("name",)
    list_select_related = ("organization",)
    fields = (
        "organization",
        "room_type",
        "name",
        "is_archived",
        "archived_at",
        "last_sequence",
        *AUDIT_FIELDS,
    )
    readonly_fields = ("room_type", "archived_at", "last_sequence", *AUDIT_FIELDS)
    inlines = [ParticipantInline, MessageInline]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "organization") if obj is not None else fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "is_archived" in form.changed_data:
            services.set_archived(obj, obj.is_archived)
