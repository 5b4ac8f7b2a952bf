"""The API contract (tests/contract.py) applied to /api/v1/documents/, created with an
upload as their first version."""

from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.files.tests.factories import PDF
from api.v1.features.documents.tests.factories import DocumentFactory
from tests.contract import ScopedEndpointContract

serial = count(1)


class TestDocumentAPI(ScopedEndpointContract):
    basename = "document"
    factory = DocumentFactory
    create_format = "multipart"
    update_payload = {"title": "Changed"}
    restricted_field = "description"

    def create_payload(self, world, organization):
        return {
            "organization": organization.pk,
            "title": "New document",
            "status": "ACTIVE",
            "file": SimpleUploadedFile("contract.pdf", PDF),
            "tags": ["new", "Signed"],
        }

    def new_record(self, world, organization):
        n = next(serial)
        return DocumentFactory(
            organization=organization, title=f"Title{n:05d}", description=f"About{n:05d}"
        )

    def search_term(self, record):
        return record.title

    def ordering_records(self, world):
        return [
            DocumentFactory(organization=world.org_a, title=title, status=state)
            for title, state in (("b", "DRAFT"), ("a", "ACTIVE"), ("c", "ARCHIVED"))
        ]
