from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from api.base.serializers import organization_field
from rbac.rows import RowField, route_maker
from rbac.serializers import ContentTypeField

from .choices import FileFormat, FileRole, ImportMode, OnError
from .models import DataJob, DataJobFile, DataJobRowError


class ImportTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"

    def __init__(self):
        super().__init__(
            _("An import file may be at most %(limit)s bytes.")
            % {"limit": settings.DATA_IMPORT_MAX_SIZE}
        )


class DataJobFileSerializer(serializers.Serializer):
    """A file of a job (for the schema: JobFilesField writes it)."""

    id = serializers.IntegerField(help_text="The file's id in /api/v1/files/.")
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="In bytes.")
    mime_type = serializers.CharField()
    download_url = serializers.CharField(
        help_text="Where its requester downloads it (permission-checked)."
    )


@extend_schema_field(
    inline_serializer(
        "DataJobFiles",
        fields={role: DataJobFileSerializer(required=False) for role in FileRole.values},
    )
)
class JobFilesField(RowField, serializers.Field):
    """The job's files by role (input, output, errors), those it has: from its
    prefetched links, or for a page of rows by one query."""

    row_columns = ("pk",)

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, job):
        links = [
            (link.role, link.file.pk, link.file.original_name, link.file.size, link.file.mime_type)
            for link in job.files.all()
        ]
        return self._files(job.pk, links, route_maker(DOWNLOAD, 1))

    def row_batch(self, values, request):
        links = {}
        for job, *link in (
            DataJobFile.objects.filter(job__in=[pk for (pk,) in values])
            .order_by("job", "id")
            .values_list(
                "job", "role", "file", "file__original_name", "file__size", "file__mime_type"
            )
        ):
            links.setdefault(job, []).append(tuple(link))
        return links, route_maker(DOWNLOAD, 1)

    def from_row(self, values, batch):
        links, url = batch
        (pk,) = values
        return self._files(pk, links.get(pk, ()), url)

    @staticmethod
    def _files(pk, links, url) -> dict:
        return {
            role: {
                "id": file,
                "name": name,
                "size": size,
                "mime_type": mime_type,
                "download_url": f"{url(pk)}?file={role}",
            }
            for role, file, name, size, mime_type in links
        }


DOWNLOAD = "api-v1:data-job-download"


class DataJobSerializer(serializers.ModelSerializer):
    """An import or export job: what was asked, where it stands, its files."""

    model = ContentTypeField(
        source="content_type", read_only=True, help_text='The model, e.g. "products.product".'
    )
    requested_by = serializers.CharField(source="created_by.username", read_only=True)
    files = JobFilesField()

    class Meta:
        model = DataJob
        fields = [
            "id",
            "organization",
            "kind",
            "model",
            "format",
            "mode",
            "on_error",
            "dry_run",
            "status",
            "total_rows",
            "processed_rows",
            "created_rows",
            "updated_rows",
            "unchanged_rows",
            "failed_rows",
            "warnings",
            "error",
            "cancel_requested",
            "files",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class DataJobRowErrorSerializer(serializers.ModelSerializer):
    errors = serializers.ListField(
        child=inline_serializer(
            "DataJobCellError",
            fields={
                "column": serializers.CharField(help_text="Empty for the row as a whole."),
                "message": serializers.CharField(),
            },
        ),
        read_only=True,
    )
    values = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The row's cells, as read."
    )

    class Meta:
        model = DataJobRowError
        fields = ["row", "errors", "values"]
        read_only_fields = fields


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.CSV)
    organization = organization_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].required = False
        self.fields["organization"].help_text = _(
            "The organization whose records are exported; needed only when you belong to several."
        )


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "A CSV (UTF-8, or Latin-1/Windows-1252; comma, semicolon or tab separated) "
            "or XLSX file whose first row names the columns."
        )
    )
    organization = organization_field()
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.CREATE)
    on_error = serializers.ChoiceField(choices=OnError.choices, default=OnError.ABORT)
    dry_run = serializers.BooleanField(
        default=False, help_text=_("Check every row and report, writing nothing.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].required = False
        self.fields["organization"].help_text = _(
            "The organization the rows are imported into; needed only when you belong to several."
        )

    def validate_file(self, upload):
        if upload.size > settings.DATA_IMPORT_MAX_SIZE:
            raise ImportTooLarge()
        return upload
