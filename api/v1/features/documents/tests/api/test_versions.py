"""A document's version chain: uploads become the current version, old ones stay
downloadable, a restore adds a version; all only within the caller's organizations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.tests.factories import PDF, FileStorageFactory
from api.v1.features.documents.models import Document, DocumentVersion
from api.v1.features.documents.tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def content(n: int) -> bytes:
    return PDF + f"% version {n}\n".encode()


def versions_url(document, *rest):
    return "/".join([f"/api/v1/documents/{document.pk}/versions", *map(str, rest)]) + "/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def create_document(client, org, data=PDF):
    response = client.post(
        "/api/v1/documents/",
        {"organization": org.pk, "title": "Lease", "file": SimpleUploadedFile("lease.pdf", data)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return Document.objects.get(pk=response.json()["id"])


def add_version(client, document, data, note=""):
    return client.post(
        versions_url(document),
        {"file": SimpleUploadedFile("lease.pdf", data), "change_note": note},
        format="multipart",
    )


def test_three_versions_a_restore_and_each_downloadable(manager_client, org):
    document = create_document(manager_client, org, content(1))
    for n in (2, 3):
        response = add_version(manager_client, document, content(n), note=f"Edit {n}")
        assert response.status_code == 201, response.content
        assert response.json()["number"] == n
        assert response.json()["is_current"] is True

    restored = manager_client.post(versions_url(document, 1, "restore"), {}, format="json")
    assert restored.status_code == 201, restored.content
    assert restored.json()["number"] == 4
    assert restored.json()["restored_from"] == 1
    assert restored.json()["change_note"] == "Restored version 1."

    listed = manager_client.get(versions_url(document)).json()["results"]
    assert [(v["number"], v["is_current"]) for v in listed] == [
        (4, True),
        (3, False),
        (2, False),
        (1, False),
    ]
    for number, data in ((1, content(1)), (2, content(2)), (3, content(3)), (4, content(1))):
        response = manager_client.get(versions_url(document, number, "download"))
        assert response.status_code == 200
        assert body(response) == data
    detail = manager_client.get(f"/api/v1/documents/{document.pk}/").json()
    assert detail["version"] == 4
    assert detail["current_version"]["checksum"] == listed[-1]["checksum"]


def test_a_version_from_a_file_already_uploaded(manager_client, org, org_b):
    document = create_document(manager_client, org)
    own = FileStorageFactory(organization=org)
    response = manager_client.post(versions_url(document), {"file_id": own.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["file_id"] == own.pk

    elsewhere = FileStorageFactory(organization=org_b)
    response = manager_client.post(versions_url(document), {"file_id": elsewhere.pk}, format="json")
    assert response.status_code == 400
    assert "file_id" in response.json()
    assert document.versions.count() == 2


@pytest.mark.parametrize(
    "payload",
    [{}, {"file_id": 1, "file": "x"}, {"change_note": "only a note"}],
)
def test_a_version_needs_exactly_one_source(manager_client, org, payload):
    document = create_document(manager_client, org)
    response = manager_client.post(versions_url(document), payload, format="json")
    assert response.status_code == 400
    assert document.versions.count() == 1


def test_a_refused_upload_adds_no_version_and_stores_nothing(manager_client, org, settings):
    document = create_document(manager_client, org)
    response = add_version(manager_client, document, b"MZ" + bytes(500))
    assert response.status_code == 400
    assert "file" in response.json()
    assert document.versions.count() == 1
    assert FileStorage.objects.count() == 1


def test_viewers_read_and_download_but_do_not_add(jwt_client, member, org, viewer_role):
    document = DocumentFactory(organization=org, versions=2)
    client = jwt_client(member(org, viewer_role))
    assert client.get(versions_url(document)).status_code == 200
    assert client.get(versions_url(document, 1, "download")).status_code == 200
    assert add_version(client, document, content(9)).status_code == 403
    assert client.post(versions_url(document, 1, "restore"), {}, format="json").status_code == 403
    assert document.versions.count() == 2


def test_other_organizations_documents_are_404(manager_client, org_b):
    document = DocumentFactory(organization=org_b)
    for response in (
        manager_client.get(versions_url(document)),
        manager_client.get(versions_url(document, 1, "download")),
        manager_client.post(versions_url(document, 1, "restore"), {}, format="json"),
        add_version(manager_client, document, content(2)),
    ):
        assert response.status_code == 404
    assert document.versions.count() == 1


def test_unknown_versions_are_404(manager_client, org):
    document = DocumentFactory(organization=org)
    assert manager_client.get(versions_url(document, 7, "download")).status_code == 404


def test_a_file_in_a_version_cannot_be_deleted(jwt_client, member, org, manager_role):
    from api.v1.base_models.organization.tests.factories import model_permissions

    manager_role.permissions.add(*_permissions(model_permissions(FileStorage)))
    client = jwt_client(member(org, manager_role))
    document = DocumentFactory(organization=org)
    file = document.current_version.file
    response = client.delete(f"/api/v1/files/{file.pk}/")
    assert response.status_code == 409, response.content
    assert FileStorage.objects.filter(pk=file.pk).exists()

    assert client.delete(f"/api/v1/documents/{document.pk}/").status_code == 204
    assert not DocumentVersion.objects.exists()
    assert client.delete(f"/api/v1/files/{file.pk}/").status_code == 204


def _permissions(names):
    from api.v1.base_models.organization.tests.factories import permissions_named

    return permissions_named(*names)


def test_restore_note_is_checked(manager_client, org):
    document = DocumentFactory(organization=org)
    response = manager_client.post(
        versions_url(document, 1, "restore"), {"change_note": "x" * 501}, format="json"
    )
    assert response.status_code == 400
    assert document.versions.count() == 1


def test_a_new_document_is_one_audit_row_and_each_version_one_more(manager_client, org):
    from audit.models import AuditLog

    document = create_document(manager_client, org)
    rows = AuditLog.objects.filter(object_id=str(document.pk), content_type__model="document")
    assert [row.action_type for row in rows] == ["CREATE"]
    assert "current_version" in rows.get().changes

    add_version(manager_client, document, content(2))
    assert rows.all().count() == 2
    assert AuditLog.objects.filter(content_type__model="documentversion").count() == 2


def test_the_document_lists_filters_do_not_reach_the_version_routes(manager_client, org):
    document = DocumentFactory(organization=org, status="ACTIVE")
    response = manager_client.get(versions_url(document), {"status": "ARCHIVED", "search": "zz"})
    assert response.status_code == 200
    assert [row["restored_from"] for row in response.json()["results"]] == [None]
