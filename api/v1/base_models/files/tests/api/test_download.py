"""Downloads: only for who may view the file's organization's files at that moment;
streamed, with the original name and Range; deletion removes the bytes once it commits."""

import pytest
from django.db import transaction

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.organization.models import OrganizationMembership

from ..factories import PDF, FileStorageFactory

pytestmark = pytest.mark.django_db


def download_url(stored):
    return f"/api/v1/files/{stored.pk}/download/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_member_downloads_the_content_with_its_name(jwt_client, member, org, viewer_role):
    stored = FileStorageFactory(organization=org, original_name='Résumé "final".pdf')
    response = jwt_client(member(org, viewer_role)).get(download_url(stored))

    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    assert response["ETag"] == f'"{stored.checksum}"'
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''R%C3%A9sum%C3%A9%20%22final%22.pdf" in disposition
    assert response["Cache-Control"] == "private, no-store"


def test_a_range_gives_the_part(jwt_client, member, org, viewer_role):
    stored = FileStorageFactory(organization=org)
    response = jwt_client(member(org, viewer_role)).get(
        download_url(stored), HTTP_RANGE="bytes=5-9"
    )
    assert response.status_code == 206
    assert body(response) == PDF[5:10]
    assert response["Content-Range"] == f"bytes 5-9/{len(PDF)}"


def test_other_organizations_and_lost_permissions_get_a_404(
    jwt_client, member, org, org_b, viewer_role
):
    stored = FileStorageFactory(organization=org_b)
    user = member(org, viewer_role)
    assert jwt_client(user).get(download_url(stored)).status_code == 404

    own = FileStorageFactory(organization=org)
    client = jwt_client(user)
    assert client.get(download_url(own)).status_code == 200
    OrganizationMembership.objects.filter(user=user).update(is_active=False)
    assert client.get(download_url(own)).status_code == 404


def test_no_credentials_no_download(api_client, org):
    assert api_client.get(download_url(FileStorageFactory(organization=org))).status_code == 401


def test_no_storage_url_is_ever_shown(manager_client, org):
    stored = FileStorageFactory(organization=org)
    listed = manager_client.get("/api/v1/files/").content.decode()
    detail = manager_client.get(f"/api/v1/files/{stored.pk}/").content.decode()
    for answer in (listed, detail):
        assert stored.file.name not in answer
        assert "/media/" not in answer


def test_deleting_removes_the_bytes_after_the_commit(
    manager_client, org, django_capture_on_commit_callbacks
):
    stored = FileStorageFactory(organization=org)
    storage, name = stored.file.storage, stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.delete(f"/api/v1/files/{stored.pk}/")
    assert response.status_code == 204
    assert not FileStorage.objects.filter(pk=stored.pk).exists()
    assert not storage.exists(name)


def test_a_rolled_back_deletion_keeps_the_bytes(org, django_capture_on_commit_callbacks):
    stored = FileStorageFactory(organization=org)
    pk, storage, name = stored.pk, stored.file.storage, stored.file.name

    def delete_then_fail():
        with transaction.atomic():
            stored.delete()
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        delete_then_fail()
    assert callbacks == []
    assert FileStorage.objects.filter(pk=pk).exists()
    assert storage.exists(name)


def test_bytes_missing_from_the_storage_are_a_404_not_a_500(
    jwt_client, member, org, viewer_role, caplog
):
    stored = FileStorageFactory(organization=org)
    stored.file.storage.delete(stored.file.name)
    response = jwt_client(member(org, viewer_role)).get(download_url(stored))
    assert response.status_code == 404
    assert response.json()["detail"] == "The file's content is missing from the storage."
    assert "are missing" in caplog.text
