"""core.scanning against a real clamd (bin/clamd-test) and, for the replies a healthy clamd
does not give on demand, against tiny fake servers on the loopback interface."""

import io
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.scanning import ClamdScanner, Scanner, ScannerError, ScanResult, get_scanner
from tests.clamd import EICAR, EICAR_SIGNATURE, MB, STREAM_MAX_LENGTH, free_port


class ReadLog(io.BytesIO):
    """A file that remembers the size of every read asked of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


class Zeros:
    """A seekable binary file of ``size`` zero bytes that exist only as they are read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        left = self.size - self.position
        count = left if size is None or size < 0 else min(size, left)
        self.position += count
        return bytes(count)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        assert whence == io.SEEK_SET
        self.position = offset
        return offset

    def tell(self) -> int:
        return self.position


# ------------------------------------------------------------------ a real clamd
def test_clean_file_is_clean(clamd):
    assert clamd.scan(io.BytesIO(b"just an invoice\n" * 100)) == ScanResult(clean=True)


def test_empty_file_is_clean(clamd):
    assert clamd.scan(io.BytesIO(b"")) == ScanResult(clean=True)


def test_eicar_is_found_with_its_signature(clamd):
    result = clamd.scan(io.BytesIO(EICAR))

    assert result == ScanResult(clean=False, signature=EICAR_SIGNATURE)
    assert not result.clean


def test_eicar_after_a_megabyte_of_clean_bytes_is_found_across_chunks(clamd):
    scanner = ClamdScanner(clamd.host, clamd.port, chunk_size=4096)
    upload = ReadLog(b"A" * MB + EICAR)

    result = scanner.scan(upload)

    assert result == ScanResult(clean=False, signature=EICAR_SIGNATURE)
    # Read in chunks of at most chunk_size, never whole: 257 chunks and the empty read.
    assert upload.reads == [4096] * 258


def test_eicar_split_across_a_chunk_boundary_is_found(clamd):
    scanner = ClamdScanner(clamd.host, clamd.port, chunk_size=50)

    assert scanner.scan(io.BytesIO(b"x" * 20 + EICAR)).signature == EICAR_SIGNATURE


def test_file_is_read_from_the_start_and_left_at_zero(clamd):
    upload = io.BytesIO(EICAR + b"\n")
    upload.seek(30)  # past the start of the signature: a scan from here would miss it

    assert clamd.scan(upload).signature == EICAR_SIGNATURE
    assert upload.tell() == 0

    clean = io.BytesIO(b"clean bytes")
    clean.seek(0, io.SEEK_END)
    assert clamd.scan(clean).clean
    assert clean.tell() == 0
    assert clean.read() == b"clean bytes"


def test_a_file_on_disk_is_scanned(clamd, tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(os.urandom(300_000) + EICAR)

    with path.open("rb") as upload:
        upload.seek(1000)
        assert clamd.scan(upload).signature == EICAR_SIGNATURE
        assert upload.tell() == 0


@pytest.mark.parametrize(
    "size",
    [
        STREAM_MAX_LENGTH + 1,  # refused after the file is sent: it fits the socket buffers
        16 * MB,  # refused, and the connection closed, while chunks are still being sent
    ],
)
def test_a_stream_over_clamds_size_limit_raises(clamd, size):
    upload = io.BytesIO(b"\0" * size)
    upload.seek(5)

    with pytest.raises(ScannerError, match=r"INSTREAM size limit exceeded\. ERROR"):
        clamd.scan(upload)
    assert upload.tell() == 0


def test_clamd_answers_ping(clamd):
    assert clamd.ping() is True


# ------------------------------------------------------------------ no clamd there
def test_closed_port_raises_scanner_error():
    scanner = ClamdScanner(port=free_port(), timeout=5)
    upload = io.BytesIO(b"data")
    upload.seek(2)

    with pytest.raises(ScannerError, match="not reachable"):
        scanner.scan(upload)
    assert upload.tell() == 0


def test_closed_port_pings_false():
    assert ClamdScanner(port=free_port(), timeout=5).ping() is False


# ------------------------------------------------------------------ fake servers
def read_stream(conn: socket.socket) -> bytes:
    """Read an INSTREAM command to its end: the command, then chunks to the empty one."""

    def exactly(size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError("client closed the connection mid-stream")
            data += part
        return data

    body = b""
    assert exactly(10) == b"zINSTREAM\0"
    while size := int.from_bytes(exactly(4), "big"):
        body += exactly(size)
    return body


def read_command(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\0"):
        part = conn.recv(1)
        if not part:
            break
        data += part
    return data


@pytest.fixture
def fake_clamd() -> Iterator[Callable[[Callable[[socket.socket], None]], int]]:
    """Serve one connection on a free loopback port with the given handler; yields a
    function that starts such a server and returns its port."""
    servers: list[tuple[socket.socket, threading.Thread]] = []
    errors: list[BaseException] = []

    def start(handler: Callable[[socket.socket], None]) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(10)

        def serve() -> None:
            try:
                conn, _ = listener.accept()
                with conn:
                    conn.settimeout(10)
                    handler(conn)
            except BaseException as exc:  # reported by the fixture's teardown
                errors.append(exc)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        servers.append((listener, thread))
        return listener.getsockname()[1]

    yield start
    for listener, thread in servers:
        thread.join(timeout=10)
        listener.close()
    assert not errors, errors


def test_instream_protocol_on_the_wire(fake_clamd):
    received = []

    def handler(conn):
        received.append(read_stream(conn))
        conn.sendall(b"stream: OK\0")

    port = fake_clamd(handler)
    data = bytes(range(256)) * 40  # 10240 bytes: 3 chunks of 4096, 4096 and 2048

    assert ClamdScanner(port=port, chunk_size=4096).scan(io.BytesIO(data)) == ScanResult(True)
    assert received == [data]


def test_found_reply_without_nul_before_close_is_read(fake_clamd):
    def handler(conn):
        read_stream(conn)
        conn.sendall(b"stream: Win.Test.EICAR_HDB-1 FOUND")  # no NUL: the close ends it

    port = fake_clamd(handler)

    assert ClamdScanner(port=port).scan(io.BytesIO(EICAR)) == ScanResult(
        clean=False, signature="Win.Test.EICAR_HDB-1"
    )


def test_size_limit_error_reply_raises(fake_clamd):
    def handler(conn):
        read_command(conn)
        conn.recv(4)  # the first chunk's length: clamd refuses it as too large
        conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")

    port = fake_clamd(handler)

    with pytest.raises(ScannerError, match=r"INSTREAM size limit exceeded\. ERROR"):
        ClamdScanner(port=port).scan(io.BytesIO(b"x" * 100))


@pytest.mark.parametrize(
    "reply",
    [
        b"stream: Can't allocate memory ERROR\0",
        b"UNKNOWN COMMAND\0",
        b"stream: maybe\0",
        b"\0",
    ],
)
def test_reply_that_is_not_a_verdict_raises(fake_clamd, reply):
    def handler(conn):
        read_stream(conn)
        conn.sendall(reply)

    port = fake_clamd(handler)

    with pytest.raises(ScannerError):
        ClamdScanner(port=port).scan(io.BytesIO(b"data"))


def test_connection_reset_mid_stream_raises(fake_clamd):
    def handler(conn):
        read_command(conn)
        # Abort: the client's next sends fail, and there is no reply to read.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    port = fake_clamd(handler)
    upload = Zeros(256 * MB)

    with pytest.raises(ScannerError, match="broke off the connection"):
        ClamdScanner(port=port).scan(upload)
    assert upload.tell() == 0


def test_connection_reset_instead_of_a_reply_raises(fake_clamd):
    def handler(conn):
        read_stream(conn)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    port = fake_clamd(handler)

    with pytest.raises(ScannerError, match=r"reading from clamd at .* failed"):
        ClamdScanner(port=port).scan(io.BytesIO(b"data"))


def test_scanner_that_stops_reading_times_out(fake_clamd):
    done = threading.Event()

    def handler(conn):
        read_command(conn)
        done.wait(10)  # reads no chunk until the client gave up

    port = fake_clamd(handler)
    started = time.monotonic()

    with pytest.raises(ScannerError, match="timed out"):
        ClamdScanner(port=port, timeout=0.5).scan(Zeros(256 * MB))
    done.set()
    assert time.monotonic() - started < 5


def test_connection_closed_without_reply_raises(fake_clamd):
    port = fake_clamd(read_stream)  # reads everything, answers nothing, closes

    with pytest.raises(ScannerError, match="without a reply"):
        ClamdScanner(port=port).scan(io.BytesIO(b"data"))


def test_silent_scanner_times_out(fake_clamd):
    done = threading.Event()

    def handler(conn):
        read_stream(conn)
        done.wait(10)  # answers nothing until the client gave up

    port = fake_clamd(handler)
    started = time.monotonic()

    with pytest.raises(ScannerError, match="timed out"):
        ClamdScanner(port=port, timeout=0.5).scan(io.BytesIO(b"data"))
    done.set()
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("reply", [b"PONG\0", b"PONG"])
def test_ping_true_on_pong(fake_clamd, reply):
    commands = []

    def handler(conn):
        commands.append(read_command(conn))
        conn.sendall(reply)

    port = fake_clamd(handler)

    assert ClamdScanner(port=port).ping() is True
    assert commands == [b"zPING\0"]


@pytest.mark.parametrize("reply", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\xff\xfe garbage\0", b""])
def test_ping_false_on_garbage(fake_clamd, reply):
    def handler(conn):
        read_command(conn)
        conn.sendall(reply)

    port = fake_clamd(handler)

    assert ClamdScanner(port=port).ping() is False


# ------------------------------------------------------------------ the API
def test_scanner_base_class_is_abstract():
    with pytest.raises(NotImplementedError):
        Scanner().scan(io.BytesIO(b""))


def test_clamd_scanner_repr_names_where_it_connects():
    assert repr(ClamdScanner("clamav", 3311, timeout=5)) == (
        "ClamdScanner(host='clamav', port=3311, timeout=5)"
    )


def test_scan_result_is_frozen():
    result = ScanResult(clean=False, signature="Eicar-Test-Signature")

    with pytest.raises(AttributeError):
        result.clean = True  # type: ignore[misc]
    assert ScanResult(clean=True).signature == ""


@pytest.mark.parametrize("chunk_size", [0, -1, 2**32])
def test_chunk_size_out_of_range_is_refused(chunk_size):
    with pytest.raises(ValueError, match="chunk_size"):
        ClamdScanner(chunk_size=chunk_size)


# ------------------------------------------------------------------ get_scanner
def test_get_scanner_without_the_setting_is_none(settings):
    del settings.FILE_SCAN_URL

    assert get_scanner() is None


@pytest.mark.parametrize("url", ["", None])
def test_get_scanner_with_empty_setting_is_none(settings, url):
    settings.FILE_SCAN_URL = url

    assert get_scanner() is None


def test_get_scanner_clamd_url(settings):
    settings.FILE_SCAN_URL = "clamd://127.0.0.1:1234"
    del settings.FILE_SCAN_TIMEOUT

    scanner = get_scanner()

    assert isinstance(scanner, ClamdScanner)
    assert (scanner.host, scanner.port, scanner.timeout) == ("127.0.0.1", 1234, 30.0)


def test_get_scanner_default_port_and_timeout_setting(settings):
    settings.FILE_SCAN_URL = "clamd://clamav"
    settings.FILE_SCAN_TIMEOUT = 5

    scanner = get_scanner()

    assert isinstance(scanner, ClamdScanner)
    assert (scanner.host, scanner.port, scanner.timeout) == ("clamav", 3310, 5.0)


def test_get_scanner_ipv6_host(settings):
    settings.FILE_SCAN_URL = "clamd://[::1]:3311"

    scanner = get_scanner()

    assert isinstance(scanner, ClamdScanner)
    assert (scanner.host, scanner.port) == ("::1", 3311)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://x", "unknown scanner 'ftp'"),
        ("127.0.0.1:3310", "unknown scanner"),
        ("clamd://127.0.0.1:notaport", "bad port"),
        ("clamd://127.0.0.1:99999", "bad port"),
        ("clamd://:3310", "no host"),
    ],
)
def test_get_scanner_unusable_url_is_improperly_configured(settings, url, match):
    settings.FILE_SCAN_URL = url

    with pytest.raises(ImproperlyConfigured, match=match) as excinfo:
        get_scanner()
    assert "FILE_SCAN_URL" in str(excinfo.value)


def test_get_scanner_scans_with_the_configured_clamd(settings, clamd):
    settings.FILE_SCAN_URL = f"clamd://{clamd.host}:{clamd.port}"

    scanner = get_scanner()

    assert scanner is not None
    assert scanner.scan(io.BytesIO(EICAR)).signature == EICAR_SIGNATURE
