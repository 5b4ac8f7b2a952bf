from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS

from .models import DataJob

FAILED_ROWS_SHOWN = 20
LINE_BREAK = mark_safe("<br>")
PROGRESS_FIELDS = (
    "total_rows",
    "processed_rows",
    "created_rows",
    "updated_rows",
    "unchanged_rows",
    "failed_rows",
    "cursor",
)


@admin.register(DataJob)
class DataJobAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Import and export jobs, read-only: who asked for what in which organization, how
    it went, and its files (downloaded through the files' Admin, which checks the
    permission on files)."""

    list_display = (
        "__str__",
        "organization",
        "created_by",
        "kind",
        "format",
        "dry_run",
        "status",
        "processed_rows",
        "failed_rows",
        "created_at",
    )
    list_filter = (
        ("organization", admin.RelatedOnlyFieldListFilter),
        "kind",
        "status",
        "format",
        "dry_run",
        "created_at",
    )
    search_fields = ("created_by__username", "params", "error")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "created_by", "content_type")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "organization",
                    "kind",
                    "content_type",
                    "format",
                    "mode",
                    "on_error",
                    "dry_run",
                    "params",
                    "file_links",
                )
            },
        ),
        (
            _("Progress"),
            {
                "fields": (
                    "status",
                    *PROGRESS_FIELDS,
                    "warnings",
                    "error",
                    "first_failed_rows",
                    "cancel_requested",
                    "attempts",
                    "task_id",
                    "started_at",
                    "heartbeat_at",
                    "finished_at",
                )
            },
        ),
        (_("Audit"), {"fields": AUDIT_FIELDS, "classes": ("collapse",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("First failed rows"))
    def first_failed_rows(self, job):
        """The first FAILED_ROWS_SHOWN (all of them are in the error report file)."""
        failures = job.row_errors.order_by("row")[:FAILED_ROWS_SHOWN]
        return format_html_join(
            LINE_BREAK,
            "{}: {}",
            (
                (
                    _("row %(row)s") % {"row": failure.row},
                    "; ".join(
                        f"{each['column']}: {each['message']}"
                        if each["column"]
                        else each["message"]
                        for each in failure.errors
                    ),
                )
                for failure in failures
            ),
        )

    @admin.display(description=_("Files"))
    def file_links(self, job):
        links = job.files.select_related("file").order_by("role")
        return format_html_join(
            LINE_BREAK,
            '{}: <a href="{}">{}</a>',
            (
                (
                    link.get_role_display(),
                    reverse("admin:files_filestorage_download", args=[link.file_id]),
                    link.file.original_name,
                )
                for link in links
            ),
        )
