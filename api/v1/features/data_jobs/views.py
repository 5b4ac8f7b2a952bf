"""Import and export over the API.

- `POST /api/v1/<records>/export/` and `POST /api/v1/<records>/import/` on every model
  API whose view is a ScopedModelViewSet (given by api.v1.routers.Router: nothing to
  write in the model's app); import only where the model can be written in bulk (not
  a tree, not a model that says `importable = False`).
- `/api/v1/data-jobs/`: the caller's own jobs, their progress, files and failed rows,
  and cancelling one.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.base.views import ScopedModelViewSet
from api.v1.base_models.files.services import create_file, download_response
from api.v1.base_models.files.uploads import UploadHandler, check_upload, clean_name
from api.v1.base_models.files.views import DOWNLOAD_RESPONSES
from core import registry
from core.conditional import ConditionalReadMixin
from core.parsers import JSONParser, MultiPartParser
from rbac.access import member_organization_ids, organizations_with_perm
from rbac.permissions import model_permission
from rbac.rows import RowListMixin

from . import formats, services
from .choices import FileFormat, FileRole, ImportMode, JobKind, JobStatus
from .filters import DataJobFilter
from .importer import FileRefused, Importer
from .models import DataJob, DataJobFile
from .resources import DataResource
from .serializers import (
    DataJobRowErrorSerializer,
    DataJobSerializer,
    ExportRequestSerializer,
    ImportRequestSerializer,
)
from .tasks import run_data_job

XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
}
IMPORT_TYPES = ["text/*", "application/csv", *sorted(XLSX_TYPES)]
# The list's query parameters an export does not keep: pages (it takes every record).
NOT_FILTERS = {"page", "page_size"}
# The permissions an import needs in the organization, by mode.
IMPORT_VERBS = {
    ImportMode.CREATE: ("add",),
    ImportMode.UPDATE: ("change",),
    ImportMode.UPSERT: ("add", "change"),
}
JOB_ACCEPTED = OpenApiResponse(
    DataJobSerializer,
    description="The job, queued (its Location header is its URL in /api/v1/data-jobs/).",
)


def importable(model) -> bool:
    """Whether records of `model` may be imported from files: written in bulk (not a
    tree) and not declared `importable = False` (created by a flow of their own: an
    upload, an invitation, a provider)."""
    return getattr(model, "importable", True) and not registry.features(model).tree


def _queue(job: DataJob) -> Response:
    """202 with the job as queued; its task is queued once the job is committed."""
    job = DataJob.objects.select_related("content_type", "created_by").get(pk=job.pk)
    data = DataJobSerializer(job).data
    transaction.on_commit(lambda: run_data_job.delay(job.pk))
    url = reverse("api-v1:data-job-detail", kwargs={"pk": job.pk})
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


def requested_action(view) -> str | None:
    """The action of the view's request, before DRF sets `view.action` (when it picks
    the parsers): the one its method maps to."""
    method = getattr(getattr(view, "request", None), "method", None)
    return getattr(view, "action_map", {}).get(method.lower()) if method else None


class DataJobStartMixin:
    """What the export and import actions share."""

    def check_some_organization(self, *verbs) -> None:
        """403 before anything is read when the caller may do none of `verbs` with the
        model in any organization."""
        model = self.get_permission_model()
        user = self.request.user
        if all(
            organizations_with_perm(user, model_permission(model, verb)) == [] for verb in verbs
        ):
            raise PermissionDenied()

    def job_organization(self, given):
        """The organization named, else the caller's only one."""
        if given is not None:
            return given
        organizations = member_organization_ids(self.request.user)
        if organizations is not None and len(organizations) == 1:
            return registry.organization_model().objects.get(pk=organizations[0])
        raise ValidationError(
            {"organization": [_("This field is required: name the organization.")]}
        )

    def new_job(self, organization, **fields) -> DataJob:
        model = self.get_serializer_class().Meta.model
        return DataJob.objects.create(
            organization=organization,
            content_type=ContentType.objects.get_for_model(model),
            # The model's own viewset: with_data_jobs' subclass has its module and name.
            view=services.view_path(type(self)),
            **fields,
        )


class ExportActionMixin(DataJobStartMixin):
    def get_parsers(self):
        # JSON, whatever the model's viewset takes on its other POSTs (an upload).
        if requested_action(self) == "export_records":
            return [JSONParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Export the list to a file",
        request=ExportRequestSerializer,
        responses={202: JOB_ACCEPTED},
    )
    @action(detail=False, methods=["post"], url_path="export", url_name="export")
    def export_records(self, request, *args, **kwargs):
        """Export the records of the list to a CSV, XLSX or PDF file, in the background:
        the records this list shows you with the same query parameters (`?filter=`,
        filters, `search`, `ordering`), in one organization, with the fields your role
        may read there; custom fields as columns, tags as a list, related records by
        their natural key (code, slug, SKU). Answers 202 with the job; follow it in
        /api/v1/data-jobs/{id}/, and download the file from there once it is done."""
        self.check_some_organization("view")
        serializer = ExportRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        organization = self.job_organization(serializer.validated_data.get("organization"))
        self.check_organization_permission("view", organization)
        self.filter_queryset(self.get_queryset())  # bad parameters: a 400 now, not a failed job
        query = [
            [name, value]
            for name, values in request.query_params.lists()
            if name not in NOT_FILTERS
            for value in values
        ]
        job = self.new_job(
            organization,
            kind=JobKind.EXPORT,
            format=serializer.validated_data["format"],
            params={"query": query, "host": request.get_host()},
        )
        return _queue(job)


class ImportActionMixin(DataJobStartMixin):
    def get_parsers(self):
        if requested_action(self) == "import_records":
            return [MultiPartParser()]
        return super().get_parsers()

    def initialize_request(self, request, *args, **kwargs):
        drf_request = super().initialize_request(request, *args, **kwargs)
        if self.action == "import_records":
            request.upload_handlers = [UploadHandler(request)]
        return drf_request

    @extend_schema(
        summary="Import a file into the list",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            202: JOB_ACCEPTED,
            413: OpenApiResponse(description="The file is larger than DATA_IMPORT_MAX_SIZE."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
    )
    def import_records(self, request, *args, **kwargs):
        """Import the rows of a CSV or XLSX file, in the background: `mode` create
        (new records), update (existing ones, found by the model's natural key, or
        `id`) or upsert (both); `dry_run` checks every row and writes nothing;
        `on_error` abort writes nothing if a row fails, skip writes the others. Every
        row passes the checks of this API (fields, custom fields, your role's field
        rules, related records by natural key in the organization). A file that cannot
        be read, or lacks a column the mode needs, is refused now (400); columns that
        are not fields are ignored, with a warning on the job."""
        self.check_some_organization("add", "change")
        serializer = ImportRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = self.job_organization(data.get("organization"))
        for verb in IMPORT_VERBS[data["mode"]]:
            self.check_organization_permission(verb, organization)
        upload = data["file"]
        name = clean_name(upload.name or "import")
        try:
            checked = check_upload(upload, name, allowed_types=IMPORT_TYPES)
        except ValidationError as exc:
            raise ValidationError({"file": exc.detail}) from None
        file_format = FileFormat.XLSX if checked.mime_type in XLSX_TYPES else FileFormat.CSV
        job = DataJob(
            organization=organization,
            created_by=request.user,
            mode=data["mode"],
            format=file_format,
        )
        warnings = self._check_file(job, upload, organization)
        with transaction.atomic():
            job = self.new_job(
                organization,
                kind=JobKind.IMPORT,
                format=file_format,
                mode=data["mode"],
                on_error=data["on_error"],
                dry_run=data["dry_run"],
                params={"file": name},
                warnings=warnings,
            )
            stored = create_file(upload, organization, checked, name)
            DataJobFile.objects.create(job=job, file=stored, role=FileRole.INPUT)
        return _queue(job)

    def _check_file(self, job: DataJob, upload, organization) -> list[str]:
        """The file's warnings; a 400 when it cannot be imported at all."""
        resource = DataResource(type(self), self.request, organization)
        upload.seek(0)
        try:
            with formats.open_table(upload, job.format) as table:
                warnings = Importer(job, table, resource).check_headers()
                if next(iter(table.rows()), None) is None:
                    raise formats.BadFile(_("The file has a header but no rows."))
        except (formats.BadFile, FileRefused) as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        finally:
            upload.seek(0)
        return warnings


def with_data_jobs(viewset):
    """`viewset` with export/ (and, for an importable model, import/) when it is the
    API of a model (a ScopedModelViewSet); any other viewset as it is."""
    if not (isinstance(viewset, type) and issubclass(viewset, ScopedModelViewSet)):
        return viewset
    model = viewset.queryset.model
    mixins = (ExportActionMixin, ImportActionMixin) if importable(model) else (ExportActionMixin,)
    return type(
        viewset.__name__,
        (*mixins, viewset),
        {
            "__module__": viewset.__module__,
            "__qualname__": viewset.__qualname__,
            "__doc__": viewset.__doc__,
            # An export needs the view permission in the organization, an import add
            # (and change, by its mode: checked in the action).
            "permission_verbs": {
                **viewset.permission_verbs,
                "export_records": "view",
                "import_records": "add",
            },
        },
    )


FILE_PARAMETER = OpenApiParameter(
    "file",
    str,
    enum=FileRole.values,
    default=FileRole.OUTPUT,
    description="Which file: the exported one (output), the failed rows (errors), the "
    "imported one (input).",
)


class DataJobViewSet(RowListMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Your import and export jobs (only yours: an export holds what your role let you
    read), in the organizations you still belong to. Each shows its status, progress
    (rows done of the total, rows created, updated, unchanged and failed), warnings
    about the file's columns, and its files. Following your own jobs needs no
    permission beyond the one that started them."""

    schema_tags = ["data jobs"]

    queryset = DataJob.objects.select_related(
        "organization", "content_type", "created_by"
    ).prefetch_related("files__file")
    serializer_class = DataJobSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = DataJobFilter
    ordering_fields = ["created_at", "finished_at", "status"]
    json_filter_fields = ("kind", "status", "format", "mode", "dry_run", "created_at")

    def get_queryset(self):
        user = self.request.user
        jobs = super().get_queryset().filter(created_by=user)
        organizations = member_organization_ids(user)
        return jobs if organizations is None else jobs.filter(organization__in=organizations)

    def get_filter_organizations(self):
        return member_organization_ids(self.request.user)

    @extend_schema(
        summary="Cancel a job",
        request=None,
        responses={
            200: DataJobSerializer,
            409: OpenApiResponse(description="The job has already ended."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a job: a queued one at once; a running one stops after the batch it is
        writing (an import keeps the batches already written with `on_error=skip`,
        nothing with `abort`)."""
        job = self.get_object()
        if job.finished:
            return Response(
                {"detail": _("The job has already ended.")}, status=status.HTTP_409_CONFLICT
            )
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested", "updated_at"])
        if job.status == JobStatus.QUEUED:
            services.finish(job, JobStatus.CANCELLED)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Download a job's file",
        parameters=[FILE_PARAMETER],
        responses=DOWNLOAD_RESPONSES,
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """A file of the job: the export, the report of the failed rows (a CSV of those
        rows with an `errors` column, to fix and import again), or the imported file."""
        job = self.get_object()
        role = request.query_params.get("file", FileRole.OUTPUT)
        if role not in FileRole.values:
            raise ValidationError({"file": [_("One of %s.") % ", ".join(FileRole.values)]})
        stored = services.job_file(job, role)
        if stored is None:
            return Response(
                {"detail": _("The job has no such file.")}, status=status.HTTP_404_NOT_FOUND
            )
        return download_response(request, stored)

    @extend_schema(
        summary="A job's failed rows",
        responses=DataJobRowErrorSerializer(many=True),
        parameters=[OpenApiParameter("page", OpenApiTypes.INT)],
    )
    @action(detail=True, methods=["get"], url_path="errors")
    def row_errors(self, request, pk=None):
        """The rows of the file that failed (a dry run's, or those left out), in file
        order: each with its number in the file (the header is row 1), what is wrong by
        column, and its cells."""
        job = self.get_object()
        page = self.paginate_queryset(job.row_errors.order_by("row"))
        return self.get_paginated_response(DataJobRowErrorSerializer(page, many=True).data)
