"""A job's progress reaches its requester's open /ws/notifications/ connections, through
the real ASGI application, then the notification that it ended."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from api.v1.base_models.auth.services import tokens_for
from api.v1.features.data_jobs.choices import JobStatus
from config.asgi import application

from .conftest import PRODUCTS_URL, csv_upload

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


async def test_progress_and_the_end_are_pushed(admin_a, each_uom, jwt_client, settings):
    settings.DATA_JOB_BATCH_SIZE = 2
    token = await database_sync_to_async(lambda: tokens_for(admin_a)["access"])()
    socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}", [ORIGIN])
    assert (await socket.connect(timeout=3))[0] is True
    assert (await socket.receive_json_from(timeout=3))["type"] == "unread_count"
    rows = [["sku", "name", "product_type", "base_uom"]]
    rows += [[f"L-{n}", f"Live {n}", "SERVICE", "EA"] for n in range(5)]

    def start():
        upload = csv_upload(rows)
        client = jwt_client(admin_a)
        return client.post(f"{PRODUCTS_URL}import/", {"file": upload}, format="multipart")

    response = await database_sync_to_async(start)()
    assert response.status_code == 202

    messages = [await socket.receive_json_from(timeout=3) for _ in range(5)]
    progress = [m["job"]["processed_rows"] for m in messages if m["type"] == "data_job"]
    assert progress == [2, 4, 5, 5]
    assert messages[3]["job"]["status"] == JobStatus.SUCCEEDED
    assert messages[4]["type"] == "notification"
    assert messages[4]["notification"]["type"] == "data_job_finished"
    await socket.disconnect()
