from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    EXPORT = "EXPORT", _("Export")
    IMPORT = "IMPORT", _("Import")


class JobStatus(models.TextChoices):
    """Where a job stands. An import with `on_error=skip` whose failed rows were left
    out ends PARTIAL; a dry run ends SUCCEEDED or PARTIAL the same way, having written
    nothing."""

    QUEUED = "QUEUED", _("Queued")
    RUNNING = "RUNNING", _("Running")
    SUCCEEDED = "SUCCEEDED", _("Succeeded")
    PARTIAL = "PARTIAL", _("Succeeded with failed rows")
    FAILED = "FAILED", _("Failed")
    CANCELLED = "CANCELLED", _("Cancelled")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.PARTIAL, JobStatus.FAILED, JobStatus.CANCELLED)


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"


IMPORT_FORMATS = (FileFormat.CSV, FileFormat.XLSX)


class ImportMode(models.TextChoices):
    CREATE = "create", _("Create new records")
    UPDATE = "update", _("Update existing records")
    UPSERT = "upsert", _("Update existing records, create the others")


class OnError(models.TextChoices):
    ABORT = "abort", _("Write nothing if any row fails")
    SKIP = "skip", _("Write the valid rows, report the failed ones")


class FileRole(models.TextChoices):
    INPUT = "input", _("Imported file")
    OUTPUT = "output", _("Exported file")
    ERRORS = "errors", _("Failed rows")
