from django.contrib import admin
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET

from . import services
from .models import FileStorage


@admin.register(FileStorage)
class FileStorageAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Files are uploaded through the API (which checks their content); here staff see
    their metadata, rename and tag them, delete them, and download them through a view
    that checks the same permission as the API's download. No storage URL is shown."""

    list_display = ("original_name", "organization", "mime_type", "file_size", "created_by")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "mime_type", "created_at")
    search_fields = ("original_name", "checksum")
    list_select_related = ("organization", "created_by")
    date_hierarchy = "created_at"
    readonly_fields = (
        "organization",
        "download",
        "mime_type",
        "file_size",
        "checksum",
        *AUDIT_FIELDS,
    )
    fieldsets = (
        (None, {"fields": ("organization", "original_name", "download")}),
        ("Content", {"fields": ("mime_type", "file_size", "checksum")}),
        ("Extended Data", {"classes": ("collapse",), "fields": ("tags", "custom_fields")}),
        AUDIT_FIELDSET,
    )

    def has_add_permission(self, request, *args):
        return False

    @admin.display(description=_("Size"), ordering="size")
    def file_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("Download"))
    def download(self, obj):
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        stored = self.get_object(request, object_id)
        if stored is None or not self.has_view_permission(request, stored):
            raise Http404
        return services.download_response(request, stored)
