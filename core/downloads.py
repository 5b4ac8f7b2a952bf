"""Downloads of stored files: a view that has checked the caller's permission answers
with file_response(), which streams the file from any storage (a storage's file opened
"rb", or any binary file with read() and seek()) in blocks, never whole in memory.

A single HTTP Range (RFC 9110) is honoured, so a large download that broke off resumes
where it stopped; `If-Range` with the file's ETag makes sure the part comes from the same
version of the file. Ranges the server may ignore (malformed, several, another unit)
are answered with the whole file. Under ASGI the blocks are read in a thread, one at a
time (Django would otherwise read a synchronous stream to the end before sending it).
The answer is never cached, since every download is permission-checked, and the file
name, whatever it holds, cannot break out of the Content-Disposition header.
"""

import re
import unicodedata

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

# Blocks of two megabytes: few thread hops per file under ASGI (each block is read in a
# thread), two megabytes of memory per download; half a megabyte took a sixth longer
# for a large file (bench/file_transfer.py).
CHUNK_SIZE = 2 * 1024 * 1024
# Positions of more than 20 digits (beyond any file) are ignored like a malformed Range.
_BYTE_RANGE = re.compile(r"bytes=([0-9]{0,20})-([0-9]{0,20})", re.IGNORECASE)
_UNSAFE_IN_NAME = {"Cc", "Cf", "Cs", "Zl", "Zp"}


class _NotSatisfiable(Exception):
    pass


def printable_name(name: str) -> str:
    """`name` without control, format (bidi overrides), line separator and lone
    surrogate characters, nor surrounding spaces: fit to show and to send in a header."""
    return "".join(
        char for char in name if unicodedata.category(char) not in _UNSAFE_IN_NAME
    ).strip()


def safe_filename(filename: str) -> str:
    """`printable_name(filename)`, or "download" if nothing is left."""
    return printable_name(filename) or "download"


def _if_range_holds(request, etag: str | None) -> bool:
    """Whether the Range may be served: no If-Range, or one strongly equal to the ETag
    (a date never matches: the response has no Last-Modified)."""
    validator = request.headers.get("If-Range")
    if validator is None:
        return True
    return etag is not None and not etag.startswith("W/") and validator.strip() == etag


def _requested_range(request, size: int, etag: str | None) -> tuple[int, int] | None:
    """The first and last byte of the one range to serve, or None for the whole file.
    Raises _NotSatisfiable for a range that starts past the end."""
    header = request.headers.get("Range")
    if request.method not in ("GET", "HEAD") or not header or not _if_range_holds(request, etag):
        return None
    match = _BYTE_RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise _NotSatisfiable
        return (max(size - suffix, 0), size - 1) if size else None
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise _NotSatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return start, end


def _blocks(fileobj, length: int):
    while length > 0:
        block = fileobj.read(min(CHUNK_SIZE, length))
        if not block:
            return
        length -= len(block)
        yield block


async def _async_blocks(fileobj, length: int):
    # Reads in a worker thread of their own (not the one thread of Django's sync code):
    # nothing else uses the file, and a download does not queue behind other requests.
    read = sync_to_async(fileobj.read, thread_sensitive=False)
    while length > 0:
        block = await read(min(CHUNK_SIZE, length))
        if not block:
            return
        length -= len(block)
        yield block


def _is_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def file_response(
    request,
    fileobj,
    *,
    size: int,
    filename: str,
    content_type: str,
    as_attachment: bool = True,
    etag: str | None = None,
) -> StreamingHttpResponse | HttpResponse:
    """The answer to a GET or HEAD of `fileobj` (`size` bytes): 200 with the whole file,
    206 with the one range asked for, or 416 for a range past the end. `etag`, when
    given, is sent and compared with `If-Range`. `fileobj` is closed with the response."""
    try:
        byte_range = _requested_range(request, size, etag)
    except _NotSatisfiable:
        response = HttpResponse(status=416)
        response.headers["Content-Range"] = f"bytes */{size}"
        response.headers["Content-Length"] = "0"
    else:
        start, end = byte_range or (0, size - 1)
        length = end - start + 1
        status = 206 if byte_range else 200
        if request.method == "HEAD":
            response = HttpResponse(status=status, content_type=content_type)
        else:
            fileobj.seek(start)
            blocks = _async_blocks if _is_asgi(request) else _blocks
            response = StreamingHttpResponse(
                blocks(fileobj, length), status=status, content_type=content_type
            )
        response.headers["Content-Length"] = str(length)
        if byte_range:
            response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        response.headers["Content-Disposition"] = content_disposition_header(
            as_attachment, safe_filename(filename)
        )
    response._resource_closers.append(fileobj.close)
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if etag is not None:
        response.headers["ETag"] = etag
    return response
