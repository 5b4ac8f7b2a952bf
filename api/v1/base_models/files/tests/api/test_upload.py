"""Uploading files: what is kept of them, and what is refused without leaving anything
behind (no row, no stored bytes)."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.files.models import FileStorage

from ..factories import PDF

pytestmark = pytest.mark.django_db

URL = "/api/v1/files/"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(4000)
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(4000)


def upload(client, content, name="report.pdf", **fields):
    return client.post(
        URL, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
    )


def stored_names(settings):
    root = settings.MEDIA_ROOT / "files"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_an_upload_answers_its_metadata(manager_client, manager, org, settings):
    response = upload(manager_client, PDF, organization=org.pk, tags=["Contracts", "2026"])

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "report.pdf"
    assert body["size"] == len(PDF)
    assert body["mime_type"] == "application/pdf"
    assert body["checksum"] == hashlib.sha256(PDF).hexdigest()
    assert body["uploaded_by"] == manager.pk
    assert body["organization"] == org.pk
    assert body["tags"] == ["2026", "Contracts"]
    assert body["download_url"].endswith(f"/api/v1/files/{body['id']}/download/")
    assert "file" not in body
    stored = FileStorage.objects.get(pk=body["id"])
    assert stored.file.read() == PDF
    assert stored.file.name.startswith(f"files/{org.pk}/")
    assert "report" not in stored.file.name  # nothing of the client's name in the key
    assert len(stored_names(settings)) == 1


def test_a_large_upload_is_received_in_chunks_of_a_megabyte(
    manager_client, org, monkeypatch, settings
):
    from api.v1.base_models.files.uploads import UploadHandler

    chunks = []
    receive = UploadHandler.receive_data_chunk

    def counted(self, raw_data, start):
        chunks.append(len(raw_data))
        return receive(self, raw_data, start)

    monkeypatch.setattr(UploadHandler, "receive_data_chunk", counted)
    content = PDF + bytes(3 * 1024 * 1024)

    response = upload(manager_client, content, organization=org.pk)

    assert response.status_code == 201, response.content
    assert response.json()["checksum"] == hashlib.sha256(content).hexdigest()
    assert sum(chunks) == len(content)
    assert len(chunks) <= 5  # not 49 of Django's 64 KB
    assert FileStorage.objects.get(pk=response.json()["id"]).file.read() == content


def test_the_type_comes_from_the_content_not_the_client(manager_client, org):
    response = manager_client.post(
        URL,
        {
            "organization": org.pk,
            "file": SimpleUploadedFile("notes.txt", b"plain words\n", "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mime_type"] == "text/plain"


def test_custom_fields_and_a_name_of_ones_own(manager_client, org):
    response = upload(
        manager_client, PDF, organization=org.pk, original_name="Q3 ✓.pdf", custom_fields="{}"
    )
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "Q3 ✓.pdf"


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (b"", "empty.pdf", 400, "empty"),
        (WINDOWS_EXE, "invoice.pdf", 400, "file_type_not_allowed"),
        (ELF, "invoice.pdf", 400, "file_type_not_allowed"),
        (b"<html><script>alert(1)</script></html>", "page.html", 400, "file_type_not_allowed"),
        (b"plain words\n", "scan.pdf", 400, "file_type_mismatch"),
        (PDF, "photo.png", 400, "file_type_mismatch"),
    ],
)
def test_refused_files_leave_nothing_behind(
    manager_client, org, settings, content, name, status, code
):
    response = upload(manager_client, content, name=name, organization=org.pk)

    assert response.status_code == status, response.content
    assert "file" in response.json()
    assert FileStorage.objects.count() == 0
    assert stored_names(settings) == []


def test_an_oversized_file_is_a_413(manager_client, org, settings):
    settings.FILE_MAX_SIZE = 1000
    response = upload(manager_client, PDF + bytes(2000), organization=org.pk)

    assert response.status_code == 413, response.content
    assert "1000" in response.json()["detail"]
    assert FileStorage.objects.count() == 0
    assert stored_names(settings) == []


def test_a_file_just_at_the_limit_is_taken(manager_client, org, settings):
    settings.FILE_MAX_SIZE = len(PDF)
    assert upload(manager_client, PDF, organization=org.pk).status_code == 201


def test_allowed_types_come_from_settings(manager_client, org, settings):
    settings.FILE_ALLOWED_TYPES = ["image/*"]
    response = upload(manager_client, PDF, organization=org.pk)
    assert response.status_code == 400
    assert "application/pdf" in str(response.json()["file"])


def test_the_file_is_required_and_its_content_cannot_change(manager_client, org):
    response = manager_client.post(URL, {"organization": org.pk}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()

    created = upload(manager_client, PDF, organization=org.pk).json()
    response = manager_client.patch(
        f"{URL}{created['id']}/",
        {"file": SimpleUploadedFile("other.pdf", PDF + b"x")},
        format="multipart",
    )
    assert response.status_code == 415
    response = manager_client.patch(
        f"{URL}{created['id']}/", {"file": "other", "original_name": "b.pdf"}, format="json"
    )
    assert response.status_code == 200
    stored = FileStorage.objects.get()
    assert (stored.size, stored.original_name) == (len(PDF), "b.pdf")
    assert stored.file.read() == PDF


def test_names_are_cleaned(manager_client, org):
    created = upload(
        manager_client, PDF, name="..\\..\\etc\\evil\x07\u202e.pdf", organization=org.pk
    )
    assert created.status_code == 201, created.content
    assert created.json()["original_name"] == "evil.pdf"

    response = manager_client.patch(
        f"{URL}{created.json()['id']}/", {"original_name": "\r\n"}, format="json"
    )
    assert response.status_code == 400
    assert "original_name" in response.json()


def test_an_upload_to_an_organization_of_someone_else_is_refused(manager_client, org_b, settings):
    response = upload(manager_client, PDF, organization=org_b.pk)

    assert response.status_code == 400
    assert "organization" in response.json()
    assert FileStorage.objects.count() == 0
    assert stored_names(settings) == []


# ------------------------------------------------------------ served (config.asgi)
class TestServedUploads:
    """Uploads through the handler uvicorn serves: a large one reaches the view as it
    arrives, so it is refused, or it ends, without the rest of it being received."""

    MESSAGE = 64 * 1024

    @staticmethod
    def scope(body_length, token=None):
        headers = [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=BOUNDARY"),
            (b"content-length", str(body_length).encode()),
        ]
        if token is not None:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": URL,
            "raw_path": URL.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }

    @staticmethod
    def multipart(organization, content: bytes) -> bytes:
        return (
            b'--BOUNDARY\r\nContent-Disposition: form-data; name="organization"\r\n\r\n'
            + str(organization).encode()
            + b'\r\n--BOUNDARY\r\nContent-Disposition: form-data; name="file"; '
            b'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            + content
            + b"\r\n--BOUNDARY--\r\n"
        )

    def exchange(self, scope, messages, *, then=()):
        """Sends `messages` to the served handler and reads its answer (status, JSON
        body or None), then sends `then`; waits for the handler to finish."""
        from asgiref.sync import async_to_sync
        from asgiref.testing import ApplicationCommunicator

        from config.asgi import django_asgi_app

        async def run():
            communicator = ApplicationCommunicator(django_asgi_app, scope)
            for message in messages:
                await communicator.send_input(message)
            answer = None
            if not then:
                start = await communicator.receive_output(timeout=20)
                body = b""
                while True:
                    message = await communicator.receive_output(timeout=20)
                    body += message.get("body", b"")
                    if not message.get("more_body"):
                        break
                answer = (start["status"], json.loads(body))
            for message in then:
                await communicator.send_input(message)
            await communicator.wait(timeout=20)
            return answer

        return async_to_sync(run)()

    def parts(self, body: bytes, count=None):
        pieces = [body[i : i + self.MESSAGE] for i in range(0, len(body), self.MESSAGE)]
        messages = [{"type": "http.request", "body": p, "more_body": True} for p in pieces]
        messages[-1]["more_body"] = False
        return messages if count is None else messages[:count]

    @pytest.fixture
    def token(self, manager):
        from rest_framework_simplejwt.tokens import AccessToken

        return str(AccessToken.for_user(manager))

    @pytest.mark.django_db(transaction=True)
    def test_a_large_upload_is_stored_whole(self, token, org, settings):
        content = PDF + bytes(range(256)) * (12 * 1024)  # 3 MB, over the memory limit
        assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        body = self.multipart(org.pk, content)

        status, answer = self.exchange(self.scope(len(body), token), self.parts(body))

        assert status == 201, answer
        assert answer["size"] == len(content)
        assert answer["checksum"] == hashlib.sha256(content).hexdigest()
        assert FileStorage.objects.get(pk=answer["id"]).file.read() == content

    @pytest.mark.django_db(transaction=True)
    def test_an_upload_without_credentials_is_refused_before_it_is_received(self, org):
        body = self.multipart(org.pk, PDF + bytes(3 * 1024 * 1024))

        # Only the first of its 49 messages is sent: the answer does not wait for more.
        status, answer = self.exchange(self.scope(len(body)), self.parts(body, count=1))

        assert status == 401
        assert answer["code"] == "not_authenticated"
        assert not FileStorage.objects.exists()

    @pytest.mark.django_db(transaction=True)
    def test_an_oversized_upload_is_refused_before_it_is_received(self, token, org, settings):
        settings.FILE_MAX_SIZE = 3 * 1024 * 1024
        body = self.multipart(org.pk, PDF + bytes(4 * 1024 * 1024))

        status, answer = self.exchange(self.scope(len(body), token), self.parts(body, count=1))

        assert status == 413
        assert answer["code"] == "file_too_large"
        assert not FileStorage.objects.exists()

    @pytest.mark.django_db(transaction=True)
    def test_a_client_leaving_mid_upload_leaves_nothing_behind(self, token, org, settings):
        body = self.multipart(org.pk, PDF + bytes(3 * 1024 * 1024))

        answer = self.exchange(
            self.scope(len(body), token),
            self.parts(body, count=10),
            then=[{"type": "http.disconnect"}],
        )

        assert answer is None
        assert not FileStorage.objects.exists()
        assert stored_names(settings) == []
