from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET

from .models import Meeting, MeetingParticipant, MeetingRecording, MeetingWebhookEvent

PROVIDER_FIELDS = ("provider", "provider_meeting_id", "join_url", "provider_data")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ParticipantInline(ReadOnlyInline):
    """Who is invited, read-only: invitations go through the API, which tells them."""

    model = MeetingParticipant
    fields = ("user", "email", "name", "role", "joined_at", "left_at")
    readonly_fields = fields


class RecordingInline(ReadOnlyInline):
    model = MeetingRecording
    fields = ("download", "file_type", "created_at")
    readonly_fields = fields

    @admin.display(description=_("File"))
    def download(self, recording):
        # Through the file's Admin download, which checks the permission on files.
        url = reverse("admin:files_filestorage_download", args=[recording.file_id])
        return format_html('<a href="{}">{}</a>', url, recording.file.original_name)


class EventInline(ReadOnlyInline):
    model = MeetingWebhookEvent
    fields = ("kind", "occurred_at", "participant", "received_at", "error")
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Meetings, their participants, recordings and the provider's events. Meetings are
    scheduled through the API, which creates them on their provider and invites their
    participants; here their description may be corrected."""

    list_display = ("topic", "organization", "start_time", "host", "status", "provider")
    list_filter = (
        ("organization", admin.RelatedOnlyFieldListFilter),
        "status",
        "provider",
        "start_time",
    )
    search_fields = ("topic", "agenda", "provider_meeting_id")
    date_hierarchy = "start_time"
    list_select_related = ("organization", "host")
    readonly_fields = (
        "organization",
        "host",
        "start_time",
        "end_time",
        "timezone",
        "status",
        *PROVIDER_FIELDS,
        "actual_start_time",
        "actual_end_time",
        "cancelled_at",
        "sequence",
        "reminded_at",
        "content_type",
        "object_id",
        *AUDIT_FIELDS,
    )
    inlines = (ParticipantInline, RecordingInline, EventInline)
    fieldsets = (
        (None, {"fields": ("organization", "topic", "agenda", "host", "status")}),
        (
            _("When"),
            {
                "fields": (
                    "start_time",
                    "end_time",
                    "timezone",
                    "actual_start_time",
                    "actual_end_time",
                    "cancelled_at",
                )
            },
        ),
        (_("Provider"), {"fields": PROVIDER_FIELDS}),
        (_("About"), {"fields": ("content_type", "object_id")}),
        (_("Invitations"), {"fields": ("sequence", "reminded_at")}),
        ("Extended Data", {"classes": ("collapse",), "fields": ("custom_fields",)}),
        AUDIT_FIELDSET,
    )

    def has_add_permission(self, request, *args):
        return False
