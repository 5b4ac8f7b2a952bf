"""Recordings: downloaded from the provider into the file layer, attached to their
meeting.

The download is streamed to a temporary file (never held in memory), stops as soon as
it passes MEETING_RECORDING_MAX_SIZE, and its content is checked as an upload's is:
type sniffed from the bytes (MEETING_RECORDING_TYPES), SHA-256, the virus scanner
when one is configured. A failure is `Retry` (the provider did not answer, or answered
5xx or 429: try again later) or `Refused` (4xx, too large, a type not allowed: trying
again will not help).
"""

import hashlib
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils.text import slugify

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.services import stored
from api.v1.base_models.files.uploads import is_allowed, sniff
from core.scanning import ScannerError, get_scanner

from .models import Meeting, MeetingRecording

CHUNK = 1024 * 1024


class Retry(Exception):
    """The download failed for now."""


class Refused(Exception):
    """The download cannot succeed."""


def _open(url: str, token: str):
    if urlsplit(url).scheme not in ("https", "http"):
        raise Refused("The recording's address is not an http(s) URL.")
    request = urllib.request.Request(url)  # noqa: S310 (http(s) only, checked above)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        return urllib.request.urlopen(request, timeout=settings.MEETING_RECORDING_TIMEOUT)  # noqa: S310
    except urllib.error.HTTPError as error:
        error.close()
        if error.code >= 500 or error.code == 429:
            raise Retry(f"The provider answered {error.code}.") from None
        raise Refused(f"The provider answered {error.code}.") from None
    except (urllib.error.URLError, OSError) as error:
        raise Retry(f"The provider could not be reached: {error}") from None


def _too_large() -> Refused:
    return Refused(
        f"The recording is larger than MEETING_RECORDING_MAX_SIZE "
        f"({settings.MEETING_RECORDING_MAX_SIZE} bytes)."
    )


def fetch(url: str, token: str, name: str) -> TemporaryUploadedFile:
    """The recording at `url`, in a temporary file named `name` (see the module)."""
    limit = settings.MEETING_RECORDING_MAX_SIZE
    with _open(url, token) as response:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise _too_large()
        upload = TemporaryUploadedFile(name, "application/octet-stream", 0, None)
        hasher = hashlib.sha256()
        try:
            while chunk := response.read(CHUNK):
                upload.size += len(chunk)
                if upload.size > limit:
                    raise _too_large()
                hasher.update(chunk)
                upload.write(chunk)
        except (OSError, TimeoutError) as error:
            upload.close()
            raise Retry(f"The download broke off: {error}") from None
        except BaseException:
            upload.close()
            raise
    upload.flush()
    upload.seek(0)
    upload.sha256 = hasher.hexdigest()
    return upload


def _check(upload) -> str:
    """The recording's MIME type, once its content passed the checks."""
    if upload.size == 0:
        raise Refused("The recording is empty.")
    mime_type = sniff(upload)
    if not is_allowed(mime_type, settings.MEETING_RECORDING_TYPES):
        raise Refused(f"Recordings of type {mime_type} are not allowed.")
    scanner = get_scanner()
    if scanner is not None:
        try:
            result = scanner.scan(upload)
        except ScannerError as error:
            raise Retry(f"The virus scanner failed: {error}") from None
        if not result.clean:
            raise Refused(f"The recording contains a virus ({result.signature}).")
    return mime_type


def file_name(meeting: Meeting, file_type: str) -> str:
    extension = slugify(file_type)[:10] or "bin"
    return f"{slugify(meeting.topic)[:80] or 'meeting'}-{meeting.pk}.{extension}"


def download(meeting: Meeting, url: str, token: str, file_type: str) -> MeetingRecording:
    """Download a recording of `meeting` and attach it (see the module)."""
    name = file_name(meeting, file_type)
    upload = fetch(url, token, name)
    try:
        mime_type = _check(upload)
        with stored(upload, meeting.organization_id) as key, transaction.atomic():
            file = FileStorage.objects.create(
                organization_id=meeting.organization_id,
                file=key,
                original_name=name,
                mime_type=mime_type,
                size=upload.size,
                checksum=upload.sha256,
            )
            return MeetingRecording.objects.create(
                meeting=meeting, file=file, file_type=file_type.upper()[:20]
            )
    finally:
        upload.close()
