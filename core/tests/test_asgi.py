"""core.asgi: which bodies are handed to the view as they arrive, and `StreamedBody`,
the body read in the view's thread while the event loop receives it."""

import asyncio

import pytest
from django.http import UnreadablePostError

from core import asgi
from core.asgi import StreamedBody, streams


def scope(content_type=b"multipart/form-data; boundary=x", length=None):
    headers = [(b"host", b"testserver")]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {"type": "http", "headers": headers}


def test_large_multipart_bodies_and_those_of_unknown_length_are_streamed(settings):
    limit = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert streams(scope(length=limit + 1))
    assert streams(scope(b"Multipart/Form-Data; boundary=x", length=limit + 1))
    assert streams(scope(length=None))  # chunked
    assert not streams(scope(length=limit))
    assert not streams(scope(b"application/json", length=limit * 10))
    assert not streams(scope(None, length=limit * 10))
    assert not streams(scope(length="many"))  # Django answers it


class Client:
    """The server's side of a body: `receive` gives the queued messages, one at a time,
    and counts the calls; a receive with nothing queued waits."""

    def __init__(self, *messages):
        self.queue = asyncio.Queue()
        self.received = 0
        for message in messages:
            self.queue.put_nowait(message)

    async def receive(self):
        message = await self.queue.get()
        self.received += 1
        return message


def part(data: bytes, more=True):
    return {"type": "http.request", "body": data, "more_body": more}


async def in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def test_reads_give_the_size_asked_for_across_messages_then_the_rest():
    async def test():
        client = Client(part(b"abc"), part(b"defg"), part(b"hi"), part(b"jk", more=False))
        body = StreamedBody(client.receive)
        first = await in_thread(body.read, 5)
        second = await in_thread(body.read, 1)
        rest = await in_thread(body.read)
        end = await in_thread(body.read, 10)
        body.close()
        return first, second, rest, end

    assert asyncio.run(test()) == (b"abcde", b"f", b"ghijk", b"")


def test_a_read_past_the_end_gives_what_there_is():
    async def test():
        body = StreamedBody(Client(part(b"abc"), part(b"", more=False)).receive)
        data = await in_thread(body.read, 100)
        body.close()
        return data

    assert asyncio.run(test()) == b"abc"


def test_the_server_is_not_asked_for_more_than_the_buffer_holds(monkeypatch):
    monkeypatch.setattr(asgi, "BUFFER_SIZE", 10)

    async def test():
        client = Client(*[part(b"12345") for _ in range(10)], part(b"", more=False))
        body = StreamedBody(client.receive)
        await asyncio.sleep(0.05)
        before = client.received  # nothing read yet: two messages fill the buffer
        first = await in_thread(body.read, 4)
        await asyncio.sleep(0.05)
        after = client.received
        rest = await in_thread(body.read)
        body.close()
        return before, first, after, len(rest)

    before, first, after, rest = asyncio.run(test())
    assert before == 2
    assert first == b"1234"
    assert after == 3  # room for one more message of five bytes
    assert rest == 46


def test_a_read_larger_than_the_buffer_waits_for_room_not_forever(monkeypatch):
    monkeypatch.setattr(asgi, "BUFFER_SIZE", 10)

    async def test():
        client = Client(*[part(b"12345") for _ in range(10)], part(b"", more=False))
        body = StreamedBody(client.receive)
        data = await asyncio.wait_for(in_thread(body.read, 40), timeout=5)
        body.close()
        return data

    assert asyncio.run(test()) == b"12345" * 8


def test_a_client_gone_before_the_end_makes_reads_fail():
    async def test():
        client = Client(part(b"abc"), {"type": "http.disconnect"})
        body = StreamedBody(client.receive)
        with pytest.raises(UnreadablePostError):
            await in_thread(body.read, 10)
        await asyncio.wait_for(body.disconnected, timeout=5)
        body.close()

    asyncio.run(test())


def test_after_the_body_the_reader_listens_for_the_client_leaving():
    async def test():
        client = Client(part(b"abc", more=False))
        body = StreamedBody(client.receive)
        assert await in_thread(body.read) == b"abc"
        assert not body.disconnected.done()
        client.queue.put_nowait({"type": "http.disconnect"})
        await asyncio.wait_for(body.disconnected, timeout=5)
        assert await in_thread(body.read) == b""  # the body stays whole
        body.close()

    asyncio.run(test())


def test_closing_stops_the_receiving_and_fails_a_waiting_read():
    async def test():
        client = Client(part(b"abc"))  # the rest never comes
        body = StreamedBody(client.receive)
        reading = asyncio.ensure_future(in_thread(body.read, 10))
        await asyncio.sleep(0.05)
        body.close()
        with pytest.raises(UnreadablePostError):
            await asyncio.wait_for(reading, timeout=5)
        await asyncio.sleep(0)
        assert body._task.cancelled()
        assert not body.disconnected.done()  # closed by the server, not left by the client

    asyncio.run(test())


def test_a_failing_server_fails_the_reads_as_a_client_gone():
    async def receive():
        raise RuntimeError("the connection broke")

    async def test():
        body = StreamedBody(receive)
        with pytest.raises(UnreadablePostError):
            await in_thread(body.read, 1)
        assert body.disconnected.done()
        body.close()

    asyncio.run(test())
