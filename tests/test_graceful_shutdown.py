"""A web process told to stop (SIGTERM, as a deploy or a scale-in does) finishes what it
is doing: a download in flight arrives whole, and WebSocket clients get a close frame
with code 1012 ("service restart": reconnect, then catch up over REST with `?after=`),
not a dropped connection. uvicorn does both within --timeout-graceful-shutdown (the
Dockerfile's 30 s); here 10."""

import asyncio
import hashlib
import signal
import urllib.request

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.files.tests.factories import FileStorageFactory
from api.v1.features.chat.tests.live import connect, database_url, served
from rbac.roles import ROLE_NAMES

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SIZE = 24 * 1024 * 1024  # several times what the sockets' buffers hold


@pytest.fixture
def world(org_a, member_of, settings, tmp_path):
    """A member of A, and a large file of A stored where the server will look."""
    settings.MEDIA_ROOT = tmp_path / "test-media"
    user = member_of(org_a, ROLE_NAMES["member"])
    content = bytes(range(256)) * (SIZE // 256)
    stored = FileStorageFactory(
        organization=org_a, content=content, original_name="big.bin", mime_type="text/plain"
    )
    return tokens_for(user)["access"], stored.pk, hashlib.sha256(content).hexdigest()


@pytest.fixture
def server(world, tmp_path):
    """The server, started once the world is committed, with 10 s to finish its work."""
    with served(database_url(connection, tmp_path), tmp_path, grace=10) as server:
        yield server


async def until_closed(ws) -> ConnectionClosed:
    """What ends the connection, reading (and dropping) whatever comes before it."""
    try:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed


async def test_in_flight_work_finishes_and_sockets_are_told_to_reconnect(world, server):
    token, file_id, checksum = world
    ws = await connect(f"ws://{server.address}/ws/health/?token={token}")
    request = urllib.request.Request(  # noqa: S310  (the loopback server)
        f"{server.base}/api/v1/files/{file_id}/download/",
        headers={"Authorization": f"Bearer {token}"},
    )
    download = await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
    digest = hashlib.sha256(await asyncio.to_thread(download.read, 65536))

    server.process.send_signal(signal.SIGTERM)

    closed = await until_closed(ws)
    assert closed.rcvd is not None, "no close frame: the connection was dropped"
    assert closed.rcvd.code == 1012

    while chunk := await asyncio.to_thread(download.read, 1024 * 1024):
        digest.update(chunk)
    download.close()
    assert digest.hexdigest() == checksum
    # Then it ends by the signal it was sent (uvicorn raises it again once done).
    assert await asyncio.to_thread(server.process.wait, 15) in (0, -signal.SIGTERM)
