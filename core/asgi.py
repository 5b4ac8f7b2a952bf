"""The project's ASGI handler for HTTP: Django's, with large uploads read as they
arrive and streamed responses sent in the blocks they are made of.

- Uploads. Django's handler receives the whole body of a request before it starts the
  view: a 100 MB upload was first written to a temporary file, then read back by the
  multipart parser, which wrote it again (hashing it) to the upload's own temporary
  file, one step after the other. A large multipart body (over
  FILE_UPLOAD_MAX_MEMORY_SIZE, or of unknown length) is instead handed to the view as
  it arrives (`StreamedBody`): the parser hashes and writes a part while the server
  receives the next, the body is not written anywhere first, and an upload refused
  from its headers (too large, no permission) is answered before the rest is
  received. Other bodies, small ones, are received first, as Django does.
- Downloads. Django cuts every response body into messages of 64 KB (`chunk_size`)
  before handing them to the server, so a download streamed in blocks of two
  megabytes (core.downloads) went out as 32 messages per block, each a write of its
  own to the socket. Messages of the size of a download's blocks halve the time of a
  large download (bench/file_transfer.py); a body already in memory takes no more
  memory cut in fewer parts.
"""

import asyncio
import collections
import contextvars
import io
import threading
from dataclasses import dataclass

import django
from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.http import UnreadablePostError

from .downloads import CHUNK_SIZE

# How much of a streamed body may wait, received, for the view to read it; past it the
# server is not asked for more (and stops reading the socket).
BUFFER_SIZE = 4 * 1024 * 1024


def streams(scope) -> bool:
    """Whether the body of this request is handed to the view as it arrives: a
    multipart body over FILE_UPLOAD_MAX_MEMORY_SIZE, or of unknown length."""
    length = content_type = None
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = value
        elif name == b"content-type":
            content_type = value
    if content_type is None or not content_type.lower().startswith(b"multipart/form-data"):
        return False
    try:
        return length is None or int(length) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    except ValueError:
        return False  # Django answers a malformed length


class StreamedBody(io.RawIOBase):
    """A request's body read by the view (in its thread) while the server receives it
    (on the event loop). `read(n)` gives n bytes, fewer only at the end, as a file
    does; at most BUFFER_SIZE bytes wait, received, to be read. A client gone before
    the end makes `read` raise UnreadablePostError (an OSError, as a broken body is
    under WSGI)."""

    def __init__(self, receive):
        super().__init__()
        self._receive = receive
        self._loop = asyncio.get_running_loop()
        self._condition = threading.Condition()
        self._parts = collections.deque()
        self._buffered = 0
        self._ended = False  # the last part was received
        self._aborted = False  # the client left before it, or the server failed
        self._room = asyncio.Event()  # set when the buffer has room again
        self._full = False  # the receiving waits for room
        self.disconnected = self._loop.create_future()
        self._task = self._loop.create_task(self._pump())

    # On the event loop -------------------------------------------------------------
    async def _pump(self):
        try:
            while not self._ended:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    self._abort()
                    return
                with self._condition:
                    part = message.get("body", b"")
                    if part:
                        self._parts.append(part)
                        self._buffered += len(part)
                    self._ended = not message.get("more_body", False)
                    self._full = self._buffered >= BUFFER_SIZE and not self._ended
                    if self._full:
                        self._room.clear()
                    self._condition.notify_all()
                if self._full:
                    await self._room.wait()
            # The body is in: what the server says next is that the client left.
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._abort()
        except asyncio.CancelledError:
            self._abort(disconnected=False)
            raise
        except Exception:  # the server could not give the body: as if the client left
            self._abort()

    def _abort(self, disconnected=True):
        with self._condition:
            self._aborted = not self._ended
            self._condition.notify_all()
        if disconnected and not self.disconnected.done():
            self.disconnected.set_result(None)

    # In the view's thread ----------------------------------------------------------
    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(BUFFER_SIZE), b""))
        taken, wanted = [], size
        with self._condition:
            while wanted:
                # Enough for the rest of the read, or all the buffer holds, or the end.
                self._condition.wait_for(
                    lambda wanted=wanted: (
                        self._buffered >= wanted or self._full or self._ended or self._aborted
                    )
                )
                if self._aborted:
                    raise UnreadablePostError("The client left before sending the whole body.")
                if not self._buffered:
                    break  # the end
                part = self._take(wanted)
                taken.append(part)
                wanted -= len(part)
                if self._full and self._buffered < BUFFER_SIZE:
                    self._full = False
                    self._loop.call_soon_threadsafe(self._room.set)
        return taken[0] if len(taken) == 1 else b"".join(taken)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _take(self, size: int) -> bytes:
        """Up to `size` bytes of the buffer (with the condition held)."""
        taken, wanted = [], size
        while wanted and self._parts:
            part = self._parts.popleft()
            if len(part) > wanted:
                self._parts.appendleft(part[wanted:])
                part = part[:wanted]
            taken.append(part)
            wanted -= len(part)
        data = taken[0] if len(taken) == 1 else b"".join(taken)
        self._buffered -= len(data)
        return data

    def close(self):
        if not self._task.done():
            self._loop.call_soon_threadsafe(self._task.cancel)
        super().close()


@dataclass
class _Request:
    scope: dict
    body: StreamedBody | None = None


_request = contextvars.ContextVar("asgi_request")


class ProjectASGIHandler(ASGIHandler):
    chunk_size = CHUNK_SIZE

    async def handle(self, scope, receive, send):
        token = _request.set(_Request(scope))
        try:
            await super().handle(scope, receive, send)
        finally:
            _request.reset(token)

    async def read_body(self, receive):
        request = _request.get()
        if not streams(request.scope):
            return await super().read_body(receive)
        request.body = StreamedBody(receive)
        return request.body

    async def listen_for_disconnect(self, receive):
        body = _request.get().body
        if body is None:
            return await super().listen_for_disconnect(receive)
        # The body's reader is the one receiving: it tells when the client leaves.
        await body.disconnected
        raise RequestAborted()


def get_asgi_application() -> ProjectASGIHandler:
    """As django.core.asgi.get_asgi_application(), with the project's handler."""
    django.setup(set_prefix=False)
    return ProjectASGIHandler()
