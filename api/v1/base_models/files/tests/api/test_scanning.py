"""Uploads with a virus scanner configured (FILE_SCAN_URL): a real clamd knowing the
EICAR test signature (tests/clamd.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.files.models import FileStorage
from tests.clamd import EICAR, free_port

from ..factories import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def scanning(settings, clamd):
    settings.FILE_SCAN_URL = f"clamd://{clamd.host}:{clamd.port}"


def upload(client, org, content, name):
    return client.post(
        "/api/v1/files/",
        {"organization": org.pk, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_an_infected_file_is_refused_and_never_stored(scanning, manager_client, org, settings):
    response = upload(manager_client, org, EICAR, "eicar.txt")

    assert response.status_code == 400, response.content
    assert "virus" in str(response.json()["file"])
    assert "Eicar-Test-Signature" in str(response.json()["file"])
    assert FileStorage.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "files").exists()


def test_a_clean_file_is_stored(scanning, manager_client, org):
    response = upload(manager_client, org, PDF, "clean.pdf")
    assert response.status_code == 201, response.content


def test_a_scanner_that_does_not_answer_refuses_the_upload(manager_client, org, settings):
    settings.FILE_SCAN_URL = f"clamd://127.0.0.1:{free_port()}"
    response = upload(manager_client, org, PDF, "clean.pdf")

    assert response.status_code == 503, response.content
    assert "scanner" in response.json()["detail"]
    assert FileStorage.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "files").exists()
