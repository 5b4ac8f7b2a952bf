from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET

from .models import Document, DocumentVersion


class DocumentVersionInline(admin.TabularInline):
    """The version chain, read-only: versions are added through the API (an upload)."""

    model = DocumentVersion
    fk_name = "document"
    extra = 0
    can_delete = False
    ordering = ("-number",)
    fields = ("number", "download", "change_note", "restored_from", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("File"))
    def download(self, version):
        # Through the file's Admin download, which checks the permission on files.
        url = reverse("admin:files_filestorage_download", args=[version.file_id])
        return format_html('<a href="{}">{}</a>', url, version.file.original_name)


@admin.register(Document)
class DocumentAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Documents' metadata and their versions; documents and versions are created
    through the API, which takes the uploads."""

    list_display = ("title", "organization", "document_type", "status", "version", "updated_at")
    list_filter = (
        ("organization", admin.RelatedOnlyFieldListFilter),
        "status",
        ("document_type", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title", "description")
    list_select_related = ("organization", "document_type", "current_version")
    raw_id_fields = ("organization",)
    readonly_fields = ("organization", "content_type", "object_id", *AUDIT_FIELDS)
    inlines = (DocumentVersionInline,)
    fieldsets = (
        (None, {"fields": ("organization", "title", "description", "document_type", "status")}),
        ("About", {"fields": ("content_type", "object_id")}),
        ("Extended Data", {"classes": ("collapse",), "fields": ("tags", "custom_fields")}),
        AUDIT_FIELDSET,
    )

    def has_add_permission(self, request, *args):
        return False

    @admin.display(description=_("Version"), ordering="current_version__number")
    def version(self, document):
        return document.current_version.number if document.current_version else None
