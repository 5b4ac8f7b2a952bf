"""core.downloads: streamed file downloads with single HTTP ranges."""

import io
import warnings

import pytest
from asgiref.sync import async_to_sync
from django.core.files.storage import FileSystemStorage
from django.test import AsyncRequestFactory, RequestFactory
from rest_framework.request import Request

from core.downloads import CHUNK_SIZE, file_response

# Closing a response sends request_finished, whose receiver checks the connection to
# the database.
pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 4  # 1024 bytes, each position distinct within 256
SIZE = len(DATA)
ETAG = '"v1"'


def _request(method="get", **headers):
    return getattr(RequestFactory(), method)("/download/", headers=headers)


def _download(request=None, data=DATA, **kwargs):
    """The response to `request` (a plain GET by default) for a file holding `data`."""
    defaults = {"size": len(data), "filename": "report.pdf", "content_type": "application/pdf"}
    return file_response(request or _request(), io.BytesIO(data), **(defaults | kwargs))


def _body(response) -> bytes:
    body = b"".join(response)
    response.close()
    return body


def _ranged(range_header, **kwargs):
    return _download(_request(Range=range_header), **kwargs)


def test_full_download_streams_the_whole_file_with_its_headers():
    response = _download()

    assert response.status_code == 200
    assert response.streaming
    assert _body(response) == DATA
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Content-Range" not in response.headers
    assert "ETag" not in response.headers


def test_inline_download_and_etag():
    response = _download(as_attachment=False, etag=ETAG)

    assert response.status_code == 200
    assert _body(response) == DATA
    assert response.headers["Content-Disposition"] == 'inline; filename="report.pdf"'
    assert response.headers["ETag"] == ETAG


def test_download_of_a_storage_file_from_its_current_position(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("report.pdf", io.BytesIO(DATA))
    fileobj = storage.open(name, "rb")
    fileobj.read(10)  # the whole file is sent whatever was read before

    response = file_response(
        _request(), fileobj, size=storage.size(name), filename=name, content_type="x/y"
    )

    assert response.status_code == 200
    assert _body(response) == DATA
    assert fileobj.closed


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=0-0", 0, 0),
        ("bytes=1000-", 1000, SIZE - 1),
        ("bytes=-24", SIZE - 24, SIZE - 1),
        ("bytes=0-", 0, SIZE - 1),
        ("BYTES=5-6", 5, 6),  # the unit is case-insensitive
        (" bytes=5-6 ", 5, 6),
    ],
)
def test_a_range_answers_206_with_exactly_that_part(range_header, start, end):
    response = _ranged(range_header, etag=ETAG)

    assert response.status_code == 206
    assert response.streaming
    assert _body(response) == DATA[start : end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"] == ETAG


@pytest.mark.parametrize(
    ("range_header", "start"),
    [
        (f"bytes=1000-{SIZE}", 1000),
        ("bytes=1000-99999999", 1000),
        (f"bytes=-{SIZE + 500}", 0),  # a suffix longer than the file: all of it
        (f"bytes={SIZE - 1}-{SIZE + 1}", SIZE - 1),
    ],
)
def test_a_range_past_the_end_is_clamped_to_the_last_byte(range_header, start):
    response = _ranged(range_header)

    assert response.status_code == 206
    assert _body(response) == DATA[start:]
    assert response.headers["Content-Range"] == f"bytes {start}-{SIZE - 1}/{SIZE}"
    assert response.headers["Content-Length"] == str(SIZE - start)


@pytest.mark.parametrize(
    "range_header",
    [f"bytes={SIZE}-", f"bytes={SIZE}-{SIZE + 10}", "bytes=5000-6000", "bytes=-0"],
)
def test_an_unsatisfiable_range_answers_416_without_a_body(range_header):
    fileobj = io.BytesIO(DATA)
    response = file_response(
        _request(Range=range_header),
        fileobj,
        size=SIZE,
        filename="report.pdf",
        content_type="application/pdf",
        etag=ETAG,
    )

    assert response.status_code == 416
    assert not response.streaming
    assert _body(response) == b""
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"
    assert response.headers["Content-Length"] == "0"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"] == ETAG
    assert "Content-Disposition" not in response.headers
    assert fileobj.closed


@pytest.mark.parametrize(
    "range_header",
    [
        "bytes=0-1,5-6",  # several ranges
        "bytes=0-1, 5-6",
        "items=0-1",  # another unit
        "bytes 0-1",
        "bytes=",
        "bytes=-",
        "bytes=a-b",
        "bytes=1-x",
        "bytes=--1",
        "bytes=20-10",  # last before first
        "bytes=\u0661-\u0662",  # digits, but not ASCII ones
        f"bytes={'9' * 5000}-",  # a position beyond any file
        "",
    ],
)
def test_a_range_that_may_be_ignored_gets_the_whole_file(range_header):
    response = _ranged(range_header)

    assert response.status_code == 200
    assert _body(response) == DATA
    assert response.headers["Content-Length"] == str(SIZE)
    assert "Content-Range" not in response.headers


def test_if_range_with_the_etag_serves_the_range():
    response = _download(_request(Range="bytes=0-9", **{"If-Range": ETAG}), etag=ETAG)

    assert response.status_code == 206
    assert _body(response) == DATA[:10]
    assert response.headers["Content-Range"] == f"bytes 0-9/{SIZE}"


@pytest.mark.parametrize(
    ("if_range", "etag"),
    [
        ('"v0"', ETAG),  # the file changed since the first part was fetched
        (ETAG, None),  # no ETag to compare with
        ("Wed, 21 Oct 2015 07:28:00 GMT", ETAG),  # a date: no Last-Modified to match
        ('W/"v1"', 'W/"v1"'),  # weak validators never match (strong comparison)
    ],
)
def test_if_range_that_does_not_match_gets_the_whole_file(if_range, etag):
    response = _download(_request(Range="bytes=0-9", **{"If-Range": if_range}), etag=etag)

    assert response.status_code == 200
    assert _body(response) == DATA
    assert response.headers["Content-Length"] == str(SIZE)
    assert "Content-Range" not in response.headers


def test_if_range_without_range_gets_the_whole_file():
    response = _download(_request(**{"If-Range": ETAG}), etag=ETAG)

    assert response.status_code == 200
    assert _body(response) == DATA


def test_head_gets_the_headers_without_a_body():
    fileobj = io.BytesIO(DATA)
    response = file_response(
        _request("head"), fileobj, size=SIZE, filename="report.pdf", content_type="x/y"
    )

    assert response.status_code == 200
    assert _body(response) == b""
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Content-Type"] == "x/y"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert fileobj.closed


def test_head_with_a_range_gets_the_part_headers_without_a_body():
    response = _download(_request("head", Range="bytes=10-19"))

    assert response.status_code == 206
    assert _body(response) == b""
    assert response.headers["Content-Range"] == f"bytes 10-19/{SIZE}"
    assert response.headers["Content-Length"] == "10"


def test_head_with_an_unsatisfiable_range_answers_416():
    response = _download(_request("head", Range=f"bytes={SIZE}-"))

    assert response.status_code == 416
    assert _body(response) == b""
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"


def test_only_get_and_head_honour_range():
    response = _download(_request("post", Range="bytes=0-9"))

    assert response.status_code == 200
    assert _body(response) == DATA
    assert "Content-Range" not in response.headers


def test_an_empty_file():
    full = _download(data=b"")
    suffix = _download(_request(Range="bytes=-5"), data=b"")
    from_start = _download(_request(Range="bytes=0-"), data=b"")

    assert full.status_code == 200
    assert _body(full) == b""
    assert full.headers["Content-Length"] == "0"
    assert suffix.status_code == 200  # the whole (empty) file: no part to name
    assert _body(suffix) == b""
    assert from_start.status_code == 416
    assert from_start.headers["Content-Range"] == "bytes */0"


def test_an_unsafe_filename_cannot_break_the_header():
    name = 'in\r\nSet-Cookie: a=b\x00\t"q"\x7f\u0085\u2028\u202egpj.exe'
    response = _download(filename=name)

    header = response.headers["Content-Disposition"]
    assert response.status_code == 200
    assert _body(response) == DATA
    assert not any(char in header for char in "\r\n\x00\x7f\u0085\u2028\u202e")
    assert header == 'attachment; filename="inSet-Cookie: a=b\\"q\\"gpj.exe"'


def test_a_non_ascii_filename_is_sent_encoded():
    response = _download(filename='Rapport d\'été\r\n "final".pdf')

    header = response.headers["Content-Disposition"]
    assert header == "attachment; filename*=utf-8''Rapport%20d%27%C3%A9t%C3%A9%20%22final%22.pdf"
    assert header.isascii()
    assert "\r" not in header
    assert "\n" not in header


def test_a_filename_with_a_lone_surrogate_is_still_encodable():
    response = _download(filename="b\udcffad.txt")  # os.fsdecode of a name not in UTF-8

    assert response.headers["Content-Disposition"] == 'attachment; filename="bad.txt"'


@pytest.mark.parametrize("name", ["", "   ", "\r\n\t\x00", " \u202e "])
def test_a_filename_left_empty_falls_back_to_download(name):
    response = _download(filename=name)

    assert response.headers["Content-Disposition"] == 'attachment; filename="download"'


def test_inline_without_a_usable_filename_keeps_the_fallback_name():
    response = _download(filename="\r\n", as_attachment=False)

    assert response.headers["Content-Disposition"] == 'inline; filename="download"'


def test_the_file_is_closed_once_the_response_is_consumed_and_closed():
    fileobj = io.BytesIO(DATA)
    response = file_response(
        _request(Range="bytes=0-9"), fileobj, size=SIZE, filename="a", content_type="x/y"
    )

    assert b"".join(response) == DATA[:10]
    assert not fileobj.closed
    response.close()
    assert fileobj.closed


def test_the_file_is_closed_when_the_response_is_closed_unread():
    fileobj = io.BytesIO(DATA)
    response = file_response(_request(), fileobj, size=SIZE, filename="a", content_type="x/y")

    response.close()

    assert fileobj.closed


def test_a_large_file_is_streamed_in_blocks(tmp_path):
    data = bytes(range(251)) * (5 * CHUNK_SIZE // 251)
    path = tmp_path / "big.bin"
    path.write_bytes(data)

    with path.open("rb") as fileobj:
        response = file_response(
            _request(), fileobj, size=len(data), filename="big.bin", content_type="x/y"
        )
        assert response.streaming
        chunks = list(response.streaming_content)
        response.close()

    assert response.status_code == 200
    assert len(chunks) == -(-len(data) // CHUNK_SIZE)
    assert max(len(chunk) for chunk in chunks) == CHUNK_SIZE
    assert b"".join(chunks) == data
    assert response.headers["Content-Length"] == str(len(data))


def test_a_large_range_is_streamed_in_blocks_of_only_that_part(tmp_path):
    data = bytes(range(251)) * (5 * CHUNK_SIZE // 251)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    # A part of three blocks and a bit, starting inside the first block.
    start = CHUNK_SIZE // 3
    end = start + 3 * CHUNK_SIZE + 999

    with path.open("rb") as fileobj:
        response = file_response(
            _request(Range=f"bytes={start}-{end}"),
            fileobj,
            size=len(data),
            filename="big.bin",
            content_type="x/y",
        )
        chunks = list(response.streaming_content)
        response.close()

    assert response.status_code == 206
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE] * 3 + [1000]
    assert b"".join(chunks) == data[start : end + 1]


def test_under_asgi_the_blocks_are_read_asynchronously():
    data = bytes(range(256)) * (4 * CHUNK_SIZE // 256)  # four blocks
    fileobj = io.BytesIO(data)
    request = AsyncRequestFactory().get("/download/", headers={"Range": "bytes=1-"})
    response = file_response(request, fileobj, size=len(data), filename="a.bin", content_type="x/y")

    async def consume():
        return [chunk async for chunk in response]

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns when it must buffer a sync stream
        chunks = async_to_sync(consume)()
    response.close()

    assert response.status_code == 206
    assert response.is_async
    assert len(chunks) == 4
    assert b"".join(chunks) == data[1:]
    assert response.headers["Content-Range"] == f"bytes 1-{len(data) - 1}/{len(data)}"
    assert fileobj.closed


def test_a_file_shorter_than_its_size_ends_the_stream():
    response = _download(data=DATA[:100], size=SIZE)

    assert response.status_code == 200
    assert _body(response) == DATA[:100]


def test_under_asgi_a_file_shorter_than_its_size_ends_the_stream():
    request = Request(AsyncRequestFactory().get("/download/"))  # as a DRF view passes it
    response = file_response(
        request, io.BytesIO(DATA[:100]), size=SIZE, filename="a", content_type="x/y"
    )

    async def consume():
        return [chunk async for chunk in response]

    assert response.is_async
    assert b"".join(async_to_sync(consume)()) == DATA[:100]


def test_the_served_handler_sends_a_download_in_its_blocks():
    from config.asgi import django_asgi_app  # what uvicorn serves

    data = bytes(range(256)) * (3 * CHUNK_SIZE // 256) + b"end"
    request = AsyncRequestFactory().get("/download/")
    response = file_response(
        request, io.BytesIO(data), size=len(data), filename="a.bin", content_type="x/y"
    )
    sent = []

    async def send(message):
        sent.append(message)

    async_to_sync(django_asgi_app.send_response)(response, send)
    response.close()

    bodies = [message.get("body", b"") for message in sent[1:]]
    assert sent[0]["type"] == "http.response.start"
    # One message per block read, not Django's 64 KB pieces; then the closing one.
    assert [len(body) for body in bodies] == [CHUNK_SIZE] * 3 + [3, 0]
    assert b"".join(bodies) == data
