"""Serving stored files, and keeping the storage and the rows in step.

`download_response` answers a download the caller was allowed: a presigned URL of the
object storage to go to (302), or the bytes streamed from the local storage.

Bytes are stored before their row commits (Django's FileField saves them while the
row is saved), so a failed or interrupted upload can leave bytes no row references:
`discard` removes them at once where the failure is seen, and
`remove_orphaned_files` (a daily Celery task) removes whatever a crash left behind.
A deleted row's bytes go once the deletion commits (signals.py), never before: a
rolled-back deletion keeps its file.
"""

import logging
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from core.downloads import file_response
from core.storage import presigned_download_url

from . import text
from .models import STORAGE_PREFIX, FileStorage, FileText, storage_key
from .uploads import CheckedFile

logger = logging.getLogger(__name__)


def download_response(request, stored: FileStorage):
    """The answer to a permitted download of `stored` (see the module's docstring)."""
    return serve(
        request,
        stored.file,
        filename=stored.original_name,
        content_type=stored.mime_type,
        size=stored.size,
        etag=f'"{stored.checksum}"',
    )


def serve(request, fieldfile, *, filename: str, content_type: str, size=None, etag=None):
    """Stored bytes to a caller allowed to have them: a redirect (302) to a presigned
    URL on object storage, else streamed (Range, `etag` for If-Range)."""
    presigned = presigned_download_url(fieldfile, filename=filename, content_type=content_type)
    if presigned:
        response = HttpResponseRedirect(presigned)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        content = fieldfile.open("rb")
    except FileNotFoundError as exc:
        # The row outlived its bytes: a deletion of the file committed after this request
        # read the row, or the storage lost them (emptied by hand, a restore without the
        # media). The caller cannot fix that; the operators must know.
        logger.error("The stored bytes %s are missing: %s", fieldfile.name, exc)
        raise NotFound(_("The file's content is missing from the storage.")) from exc
    return file_response(
        request,
        content,
        size=fieldfile.size if size is None else size,
        filename=filename,
        content_type=content_type,
        etag=etag,
    )


@contextmanager
def stored(upload, organization_id: int):
    """Store the bytes of `upload` under a new key of the organization, yield the key,
    and remove the bytes again if the block fails (the row was not written)."""
    name = default_storage.save(storage_key(organization_id), upload)
    try:
        yield name
    except BaseException:
        discard(name)
        raise


def create_file(upload, organization, checked: CheckedFile, name: str) -> FileStorage:
    """A file row for an upload `check_upload` accepted, its bytes stored: for the
    records that take an upload of their own (a document version)."""
    with stored(upload, organization.pk) as key:
        return FileStorage.objects.create(
            organization=organization,
            file=key,
            original_name=name,
            mime_type=checked.mime_type,
            size=checked.size,
            checksum=checked.checksum,
        )


def text_of(stored: FileStorage) -> str:
    """The text of a stored file (files.text), extracted on the first call and kept
    (FileText): a file's bytes never change."""
    kept = FileText.objects.filter(file=stored).values_list("text", flat=True).first()
    if kept is not None:
        return kept
    extracted = text.extract(stored)
    FileText.objects.update_or_create(file=stored, defaults={"text": extracted})
    return extracted


def discard(name: str, storage=default_storage) -> None:
    """Remove stored bytes, logging (not raising) when the storage refuses."""
    if not name:
        return
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Could not remove the stored file %s", name)


def _stored_names(storage, directory: str):
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # nothing stored yet (local storage)
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in directories:
        yield from _stored_names(storage, f"{directory}/{sub}")


def _batches(names, size: int = 500):
    batch = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def remove_orphaned_files(*, now: datetime | None = None, storage=default_storage) -> list[str]:
    """Remove the stored files under the file layer's prefix that no row references
    and that are older than FILE_ORPHAN_GRACE; returns their names."""
    cutoff = (now or timezone.now()) - settings.FILE_ORPHAN_GRACE
    removed = []
    for batch in _batches(_stored_names(storage, STORAGE_PREFIX)):
        known = set(FileStorage.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in batch:
            # Younger bytes may be an upload whose row has not committed yet.
            if name not in known and storage.get_modified_time(name) <= cutoff:
                discard(name, storage)
                removed.append(name)
    if removed:
        logger.info("Removed %d orphaned stored files: %s", len(removed), ", ".join(removed))
    return removed
