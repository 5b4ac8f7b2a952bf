"""Document versions: the one place that numbers them and moves the current one."""

from django.db import transaction
from django.db.models import Max

from audit.grouping import one_row_per_record

from .models import Document, DocumentVersion
from .tasks import index_version_text


def add_version(document: Document, file, *, note: str = "", restored_from=None):
    """A new version of `document` with `file`, numbered after the last one, made the
    current version. Concurrent additions to one document are numbered one after the
    other (the document's row is locked)."""
    with one_row_per_record():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        last = locked.versions.aggregate(last=Max("number"))["last"] or 0
        version = DocumentVersion.objects.create(
            document=locked,
            number=last + 1,
            file=file,
            change_note=note,
            restored_from=restored_from,
        )
        locked.current_version = version
        locked.save(update_fields=["current_version"])
    # The search finds documents by their file's text too: extracted in the background.
    transaction.on_commit(lambda: index_version_text.delay(version.pk))
    # The caller's instance shows what was saved (its ETag follows updated_at).
    document.current_version = version
    document.updated_at, document.updated_by_id = locked.updated_at, locked.updated_by_id
    return version


def restore_version(version: DocumentVersion, *, note: str = "") -> DocumentVersion:
    """Make `version`'s file current again, as a new version (the history only grows)."""
    return add_version(
        version.document,
        version.file,
        note=note or f"Restored version {version.number}.",
        restored_from=version,
    )
