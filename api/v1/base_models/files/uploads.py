"""Receiving an upload, and the checks a file passes before it is stored.

- `UploadHandler` streams every file of a request to a temporary file (never into
  memory), takes its size and SHA-256 on the way (the hash in a thread beside the
  parser, a block behind it), and stops reading once the body
  passes FILE_MAX_SIZE: 413, before the rest is even received (served over ASGI, a
  large body reaches the parser as it arrives: core.asgi).
- `check_upload` decides whether a received file may be stored: not empty, not too
  large, its type sniffed from the content (libmagic) among FILE_ALLOWED_TYPES, a name
  whose extension does not claim another type (an executable named `.pdf`), and clean
  for the virus scanner when one is configured (core.scanning). A refused file leaves
  nothing behind: nothing was stored yet.
"""

import hashlib
import mimetypes
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from core.downloads import printable_name
from core.scanning import ScannerError, get_scanner

# Bytes libmagic reads to tell a type: enough for every format it knows by its header.
SNIFF_BYTES = 16 * 1024
# What a multipart body holds besides the file (boundaries, headers, small fields).
MULTIPART_OVERHEAD = 64 * 1024
# Types that are one another's under different names: a detected type is compatible
# with a name's type when both are in one of these families.
TYPE_FAMILIES = (
    # Office Open XML and OpenDocument files are zip archives; older libmagic says so.
    {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    },
    # Text is text: a CSV, JSON or Markdown file is often sniffed as text/plain.
    {"text/*", "application/json", "application/xml", "application/csv"},
    # Legacy Office formats share one container format.
    {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-ole-storage",
        "application/CDFV2",
    },
)


class FileTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"

    def __init__(self):
        super().__init__(
            _("The file is larger than the %(limit)s bytes allowed.")
            % {"limit": settings.FILE_MAX_SIZE}
        )


class ScannerUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "scanner_unavailable"
    default_detail = _(
        "The virus scanner did not answer; the file was not stored. Try again later."
    )


# Hashing runs beside the parser: hashlib lets go of the GIL while it hashes a block,
# so the SHA-256 of one block is taken while the parser writes it and reads the next
# (the parser's work on a 100 MB file, in one process: 120 ms to 74 ms). Writing in a
# thread as well was slower (99 ms): the parser then waits for two threads a block.
_HASHING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="upload-hash")


class UploadHandler(TemporaryFileUploadHandler):
    """Every file to a temporary file, with its size and SHA-256 (`file.sha256`); a
    body or a file past FILE_MAX_SIZE stops the upload with a 413."""

    # The parser reads the body in the handlers' chunks: 1 MB rather than Django's 64 KB,
    # sixteen times fewer rounds of its Python (bench/file_transfer.py: about a tenth
    # off a 100 MB upload), for one more megabyte of memory per upload.
    chunk_size = 1024 * 1024

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.FILE_MAX_SIZE + MULTIPART_OVERHEAD:
            raise FileTooLarge()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.hasher = hashlib.sha256()
        self.hashing = None  # the block being hashed
        self.received = 0

    def _hashed(self):
        """Wait for the block being hashed (one at a time: they are hashed in order,
        and no more than one waits in memory)."""
        if self.hashing is not None:
            self.hashing.result()
            self.hashing = None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self._hashed()
        if self.received > settings.FILE_MAX_SIZE:
            self.file.close()
            raise FileTooLarge()
        self.hashing = _HASHING.submit(self.hasher.update, raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        self._hashed()
        upload = super().file_complete(file_size)
        upload.sha256 = self.hasher.hexdigest()
        return upload


@dataclass(frozen=True)
class CheckedFile:
    """What is known of an upload that may be stored."""

    mime_type: str
    size: int
    checksum: str


def sniff(fileobj) -> str:
    """The MIME type of the content (libmagic), from its first bytes."""
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    return magic.from_buffer(head, mime=True)


def _matches(mime_type: str, pattern: str) -> bool:
    if pattern.endswith("/*"):
        return mime_type.startswith(pattern[:-1])
    return mime_type == pattern


def is_allowed(mime_type: str, allowed=None) -> bool:
    patterns = settings.FILE_ALLOWED_TYPES if allowed is None else allowed
    return any(_matches(mime_type, pattern) for pattern in patterns)


def _compatible(detected: str, claimed: str) -> bool:
    if detected == claimed:
        return True
    return any(
        any(_matches(detected, t) for t in family) and any(_matches(claimed, t) for t in family)
        for family in TYPE_FAMILIES
    )


def checksum_of(upload) -> str:
    digest = getattr(upload, "sha256", None)
    if digest:
        return digest
    hasher = hashlib.sha256()
    for chunk in upload.chunks():
        hasher.update(chunk)
    upload.seek(0)
    return hasher.hexdigest()


def clean_name(name: str) -> str:
    """A file name fit to show and to send back in a header: no path, no control
    characters, at most 255 characters (the extension kept)."""
    name = printable_name(name.replace("\\", "/").rsplit("/", 1)[-1])
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot else ""
        name = f"{(stem if dot else name)[: 254 - len(extension)]}.{extension}".rstrip(".")
    return name


def check_upload(upload, name: str, *, allowed_types=None) -> CheckedFile:
    """The checks of the module's docstring; a ValidationError (or 413, 503) says which
    one failed. `allowed_types` narrows FILE_ALLOWED_TYPES for one kind of upload (a
    profile picture: images)."""
    if upload.size == 0:
        raise ValidationError(_("The submitted file is empty."), code="empty")
    if upload.size > settings.FILE_MAX_SIZE:
        raise FileTooLarge()
    mime_type = sniff(upload)
    if not is_allowed(mime_type) or (
        allowed_types is not None and not is_allowed(mime_type, allowed_types)
    ):
        raise ValidationError(
            _("Files of type %(type)s are not allowed.") % {"type": mime_type},
            code="file_type_not_allowed",
        )
    claimed, _encoding = mimetypes.guess_type(name, strict=False)
    if claimed and not _compatible(mime_type, claimed):
        raise ValidationError(
            _("The file's content (%(detected)s) does not match its name (%(claimed)s).")
            % {"detected": mime_type, "claimed": claimed},
            code="file_type_mismatch",
        )
    scanner = get_scanner()
    if scanner is not None:
        try:
            result = scanner.scan(upload)
        except ScannerError:
            raise ScannerUnavailable() from None
        if not result.clean:
            raise ValidationError(
                _("The file contains a virus (%(signature)s) and was not stored.")
                % {"signature": result.signature},
                code="file_infected",
            )
    return CheckedFile(mime_type=mime_type, size=upload.size, checksum=checksum_of(upload))


class AcceptsUploadsMixin:
    """For views taking uploads: the files of a request with one of `upload_methods`
    stream through `UploadHandler` (to disk, size-limited, checksummed) from the first
    read of its body."""

    upload_methods = ("POST",)

    def initialize_request(self, request, *args, **kwargs):
        if request.method in self.upload_methods:
            request.upload_handlers = [UploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)
