"""The API contract (tests/contract.py) applied to /api/v1/files/, whose creates are
multipart uploads."""

from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.contract import ScopedEndpointContract

from ..factories import PDF, FileStorageFactory

serial = count(1)


class TestFileAPI(ScopedEndpointContract):
    basename = "file"
    factory = FileStorageFactory
    create_format = "multipart"
    update_payload = {"original_name": "renamed.pdf"}
    restricted_field = "original_name"

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "file": SimpleUploadedFile("new.pdf", PDF),
            "tags": ["new", "Scanned"],
        }

    def changed_value(self, current):
        return f"changed-{current}"

    def new_record(self, world, organization):
        n = next(serial)
        return FileStorageFactory(organization=organization, original_name=f"File{n:05d}.pdf")

    def search_term(self, record):
        return record.original_name

    def ordering_records(self, world):
        return [
            FileStorageFactory(
                organization=world.org_a, original_name=name, content=content, mime_type=mime
            )
            for name, content, mime in (
                ("b.pdf", PDF, "application/pdf"),
                ("a.txt", b"words", "text/plain"),
                ("c.pdf", PDF * 2, "application/pdf"),
            )
        ]
