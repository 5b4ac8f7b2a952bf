"""Import and export jobs: what was asked, how far it got, and its files.

A `DataJob` is one export of a model's list or one import of a file into a model, run
by a Celery task (data_jobs.tasks). Its progress is kept on the row (rows done of the
total, counts) and, for imports, the last row written in a committed batch (`cursor`):
a job whose worker died is taken up again after it, nothing written twice. Failed rows
are kept as `DataJobRowError`s (their cells and what is wrong), from which the error
report is written. The files (the imported one, the exported one, the failed rows)
are FileStorage rows linked by `DataJobFile`, kept private to whoever sees the job: its
requester (`restrict_visible`).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from api.v1.base_models.files.models import FileAttachment
from core.models import Auditable, OrganizationScoped, Timestamped

from .choices import FINISHED, FileFormat, FileRole, ImportMode, JobKind, JobStatus, OnError


class DataJob(OrganizationScoped, Timestamped, Auditable):
    """An export or an import, requested by `created_by` in `organization`."""

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)
    importable = False

    # Everyone may follow their own jobs (restrict_visible); what a job may do is the
    # permission on its model (view to export, add/change to import).
    default_grants = {
        "administrator": ("view",),
        "member": ("view",),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    kind = models.CharField(_("Kind"), max_length=10, choices=JobKind.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("Model"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The model exported or imported."),
    )
    view = models.CharField(
        _("View"), max_length=255, help_text=_("The API view whose list and serializer it uses.")
    )
    format = models.CharField(_("Format"), max_length=10, choices=FileFormat.choices)
    # Imports only: null for an export (the API's enum has no empty text).
    mode = models.CharField(  # noqa: DJ001
        _("Import Mode"), max_length=10, choices=ImportMode.choices, null=True, blank=True
    )
    on_error = models.CharField(  # noqa: DJ001
        _("On Error"), max_length=10, choices=OnError.choices, null=True, blank=True
    )
    dry_run = models.BooleanField(_("Dry Run"), default=False)
    params = models.JSONField(
        _("Parameters"),
        default=dict,
        blank=True,
        help_text=_("Export: the list's query parameters. Import: the file's name."),
    )
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=JobStatus.choices,
        default=JobStatus.QUEUED,
        db_index=True,
    )
    total_rows = models.PositiveIntegerField(_("Total Rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("Rows Done"), default=0)
    created_rows = models.PositiveIntegerField(_("Rows Created"), default=0)
    updated_rows = models.PositiveIntegerField(_("Rows Updated"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("Rows Unchanged"), default=0)
    failed_rows = models.PositiveIntegerField(_("Rows Failed"), default=0)
    cursor = models.PositiveIntegerField(
        _("Cursor"),
        default=0,
        help_text=_("Data rows of the file written (or checked) in committed batches."),
    )
    warnings = models.JSONField(_("Warnings"), default=list, blank=True)
    error = models.TextField(_("Error"), blank=True, default="")
    cancel_requested = models.BooleanField(_("Cancel Requested"), default=False)
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    task_id = models.CharField(_("Task Id"), max_length=255, blank=True, default="")
    started_at = models.DateTimeField(_("Started At"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("Last Heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished At"), null=True, blank=True)

    class Meta:
        verbose_name = _("Data Job")
        verbose_name_plural = _("Data Jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        model = self.content_type.model_class() if self.content_type_id else None
        name = model._meta.verbose_name_plural if model else _("records")
        return f"{self.get_kind_display()} of {name} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def restrict_visible(cls, queryset, user):
        """A job is seen by whoever asked for it (rbac.access.visible_to): an export
        holds what their own role let them read."""
        return queryset.filter(created_by=user)

    @classmethod
    def restrict_viewers(cls, user_ids, record) -> set[int]:
        return {pk for pk in user_ids if pk == record.created_by_id}


class DataJobFile(FileAttachment):
    """A file of a job: the imported file, the exported one, the failed rows."""

    organization_path = "job__organization"
    business_record = False
    private = True
    record_field = "job"

    job = models.ForeignKey(
        DataJob, verbose_name=_("Job"), on_delete=models.CASCADE, related_name="files"
    )
    role = models.CharField(_("Role"), max_length=10, choices=FileRole.choices)

    class Meta:
        verbose_name = _("Data Job File")
        verbose_name_plural = _("Data Job Files")
        ordering = ["job", "id"]
        constraints = [models.UniqueConstraint(fields=["job", "role"], name="data_job_file_role")]


class DataJobRowError(models.Model):
    """A row of an imported file that could not be written: its number in the file (the
    header is row 1), its cells as read, and what is wrong with it ({"column", "message"}
    each; the column is empty for the row as a whole)."""

    organization_path = "job__organization"
    business_record = False

    job = models.ForeignKey(
        DataJob, verbose_name=_("Job"), on_delete=models.CASCADE, related_name="row_errors"
    )
    row = models.PositiveIntegerField(_("Row"))
    errors = models.JSONField(_("Errors"), default=list)
    values = models.JSONField(_("Cells"), default=list)

    class Meta:
        verbose_name = _("Failed Row")
        verbose_name_plural = _("Failed Rows")
        ordering = ["job", "row"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row"], name="data_job_row_error_unique")
        ]

    def __str__(self) -> str:
        return f"row {self.row}"

    @property
    def summary(self) -> str:
        """What is wrong, in one line ("name: This field is required.; ...")."""
        return "; ".join(
            f"{each['column']}: {each['message']}" if each["column"] else each["message"]
            for each in self.errors
        )
