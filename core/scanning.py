"""Optional virus scanning of uploaded files.

Scanning is configured by one setting, ``FILE_SCAN_URL``:

- Unset or empty: no scanning. :func:`get_scanner` returns ``None`` and uploads are
  stored as they come.
- ``clamd://HOST:PORT`` (the port defaults to 3310): a ClamAV daemon reached over TCP,
  spoken to with clamd's INSTREAM command (:class:`ClamdScanner`). ``FILE_SCAN_TIMEOUT``
  (seconds, default 30) bounds each connection, send and read.

When scanning is configured, every upload is scanned before it is stored:

- a clean file (``ScanResult.clean``) is stored;
- an infected file is refused and never stored; ``ScanResult.signature`` names what the
  scanner found (e.g. ``Eicar-Test-Signature``);
- a scanner that does not answer (connection refused, timeout, an ``ERROR`` reply such as
  clamd's ``INSTREAM size limit exceeded``) raises :class:`ScannerError`, and the upload
  is refused too: scanning fails closed, so an unscanned file is never stored.

Scanners read the file in chunks and never hold it whole in memory.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DEFAULT_CLAMD_PORT",
    "ClamdScanner",
    "ScanResult",
    "Scanner",
    "ScannerError",
    "get_scanner",
]

DEFAULT_CLAMD_PORT = 3310
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ScanResult:
    """The scanner's verdict on one file: clean, or infected with ``signature``."""

    clean: bool
    signature: str = ""


class ScannerError(Exception):
    """The scanner could not give an answer.

    Raised when the scanner cannot be reached (connection refused, timeout), breaks off,
    or answers with an error (clamd's ``... ERROR`` replies, e.g. ``INSTREAM size limit
    exceeded. ERROR``) or with something that is not a verdict. The message says which.

    Callers must treat it as "refuse the upload": scanning fails closed, and a file the
    scanner has not passed is never stored.
    """


class _SendError(Exception):
    """Sending to clamd failed (its ``__cause__`` says how); its reply may say why."""


class Scanner:
    """What every scanner does: give a verdict on a file."""

    def scan(self, fileobj: BinaryIO) -> ScanResult:
        """Scan ``fileobj``, a binary file object positioned anywhere.

        The scanner reads it from the start, in chunks, and seeks it back to 0 afterwards
        (also when it raises). Returns the verdict; raises :class:`ScannerError` when it
        cannot give one.
        """
        raise NotImplementedError


class ClamdScanner(Scanner):
    """ClamAV's daemon, clamd, over TCP with the INSTREAM command.

    Each scan opens one connection, sends ``zINSTREAM\\0``, then the file as chunks of at
    most ``chunk_size`` bytes, each preceded by its length as a 4-byte big-endian number,
    then a zero-length chunk; clamd answers one NUL-terminated line:
    ``stream: OK``, ``stream: NAME FOUND`` or ``... ERROR``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_CLAMD_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        chunk_size: int = 64 * 1024,
    ) -> None:
        if not 0 < chunk_size < 2**32:
            raise ValueError(f"chunk_size must be from 1 to 2**32 - 1, not {chunk_size}")
        self.host = host
        self.port = port
        self.timeout = timeout
        self.chunk_size = chunk_size

    def __repr__(self) -> str:
        return f"ClamdScanner(host={self.host!r}, port={self.port!r}, timeout={self.timeout!r})"

    def scan(self, fileobj: BinaryIO) -> ScanResult:
        fileobj.seek(0)
        try:
            reply = self._instream(fileobj)
        finally:
            fileobj.seek(0)
        return self._verdict(reply)

    def ping(self) -> bool:
        """Whether clamd answers ``PING`` with ``PONG``; never raises for a network error."""
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return self._read_reply(sock) == "PONG"
        except (OSError, ScannerError):
            return False

    # The protocol.

    def _connect(self) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise ScannerError(f"clamd at {self._where} is not reachable: {exc}") from exc

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def _instream(self, fileobj: BinaryIO) -> str:
        with self._connect() as sock:
            try:
                self._send(sock, b"zINSTREAM\0")
                while chunk := fileobj.read(self.chunk_size):
                    self._send(sock, struct.pack("!L", len(chunk)))
                    self._send(sock, chunk)
                self._send(sock, b"\0\0\0\0")
            except _SendError as exc:
                # clamd answers and closes the connection as soon as it refuses the stream
                # (e.g. past its StreamMaxLength), while chunks are still being sent: its
                # answer says why, when it can still be read.
                reply = self._read_reply(sock)
                if reply:
                    return reply
                raise ScannerError(
                    f"clamd at {self._where} broke off the connection: {exc.__cause__}"
                ) from exc.__cause__
            return self._read_reply(sock)

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise ScannerError(f"clamd at {self._where} timed out: {exc}") from exc
        except OSError as exc:
            raise _SendError from exc

    def _read_reply(self, sock: socket.socket) -> str:
        """Read one reply, up to its NUL or the end of the connection."""
        data = bytearray()
        try:
            while b"\0" not in data:
                part = sock.recv(4096)
                if not part:
                    break
                data += part
        except TimeoutError as exc:
            raise ScannerError(f"clamd at {self._where} timed out: {exc}") from exc
        except OSError as exc:
            raise ScannerError(f"reading from clamd at {self._where} failed: {exc}") from exc
        return bytes(data).split(b"\0", 1)[0].decode("utf-8", "replace").strip()

    def _verdict(self, reply: str) -> ScanResult:
        if not reply:
            raise ScannerError(f"clamd at {self._where} closed the connection without a reply")
        if reply.endswith("ERROR"):
            raise ScannerError(f"clamd at {self._where} answered: {reply}")
        name, sep, status = reply.partition(": ")
        if sep and name == "stream":
            if status == "OK":
                return ScanResult(clean=True)
            if status.endswith(" FOUND"):
                return ScanResult(clean=False, signature=status.removesuffix(" FOUND"))
        raise ScannerError(f"clamd at {self._where} answered something unexpected: {reply!r}")


def get_scanner() -> Scanner | None:
    """The scanner ``settings.FILE_SCAN_URL`` names, or ``None`` where it is unset or empty.

    Raises ImproperlyConfigured for a URL it cannot use (an unknown scheme, no host, a bad
    port).
    """
    url = getattr(settings, "FILE_SCAN_URL", None)
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "clamd":
        raise ImproperlyConfigured(
            f"FILE_SCAN_URL: unknown scanner {parts.scheme!r} in {url!r}; "
            "expected clamd://HOST:PORT or nothing (no scanning)."
        )
    try:
        port = parts.port or DEFAULT_CLAMD_PORT
    except ValueError as exc:
        raise ImproperlyConfigured(f"FILE_SCAN_URL: bad port in {url!r}: {exc}") from exc
    if not parts.hostname:
        raise ImproperlyConfigured(
            f"FILE_SCAN_URL: no host in {url!r}; expected clamd://HOST:PORT."
        )
    timeout = getattr(settings, "FILE_SCAN_TIMEOUT", None)
    return ClamdScanner(
        parts.hostname,
        port,
        timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
    )
