"""The file layer on S3-compatible object storage, for real: a local S3 server
(moto, tests/s3.py) behind FILE_STORAGE_URL's settings."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.files.models import FileStorage, storage_key
from api.v1.base_models.files.services import remove_orphaned_files
from tests.s3 import fetch, s3_client

from ..factories import PDF, FileStorageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(s3_storage, s3_server):
    return s3_client(s3_server), s3_storage


def test_upload_download_and_delete_go_through_the_bucket(
    bucket, manager_client, org, django_capture_on_commit_callbacks
):
    client, name = bucket
    response = manager_client.post(
        "/api/v1/files/",
        {"organization": org.pk, "file": SimpleUploadedFile("Q3 report.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    stored = FileStorage.objects.get(pk=response.json()["id"])
    assert client.get_object(Bucket=name, Key=stored.file.name)["Body"].read() == PDF

    download = manager_client.get(f"/api/v1/files/{stored.pk}/download/")
    assert download.status_code == 302
    assert download["Cache-Control"] == "private, no-store"
    location = download["Location"]
    query = parse_qs(urlsplit(location).query)
    assert int(query["X-Amz-Expires"][0]) <= 300  # minutes, not a permanent URL
    status, headers, content = fetch(location)
    assert (status, content) == (200, PDF)
    assert headers["Content-Disposition"] == 'attachment; filename="Q3 report.pdf"'
    assert headers["Content-Type"] == "application/pdf"
    # The object itself is private: without the signature, no access.
    assert fetch(location.split("?")[0])[0] == 403

    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.delete(f"/api/v1/files/{stored.pk}/").status_code == 204
    with pytest.raises(ClientError):
        client.head_object(Bucket=name, Key=stored.file.name)


def test_other_organizations_are_not_redirected(bucket, manager_client, org_b):
    stored = FileStorageFactory(organization=org_b)
    assert manager_client.get(f"/api/v1/files/{stored.pk}/download/").status_code == 404


def test_orphans_are_removed_from_the_bucket(bucket, org, settings):
    client, name = bucket
    kept = FileStorageFactory(organization=org)
    orphan = default_storage.save(storage_key(org.pk), ContentFile(b"left behind"))
    settings.FILE_ORPHAN_GRACE = timedelta(0)

    assert remove_orphaned_files() == [orphan]
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=name)["Contents"]}
    assert keys == {kept.file.name}
