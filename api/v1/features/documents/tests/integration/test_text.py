"""Documents' file text, for the search: extracted once a version is added, and for
documents added before (index_document_texts)."""

import io

import pytest
from django.core.management import call_command

from api.v1.base_models.files.models import FileText
from api.v1.base_models.files.tests.factories import FileStorageFactory, pdf_with
from api.v1.features.documents import services
from api.v1.features.documents.tests.factories import DocumentFactory
from core import searching

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed():
    """The ids of documents the search was asked to index again."""
    sent = []

    def receive(sender, object_ids, **kwargs):
        sent.extend(object_ids)

    searching.stale.connect(receive)
    yield sent
    searching.stale.disconnect(receive)


def test_a_new_version_s_text_is_extracted_then_indexed(
    org, django_capture_on_commit_callbacks, refreshed
):
    document = DocumentFactory(organization=org)
    file = FileStorageFactory(organization=org, content=pdf_with("Zebra terms"))
    with django_capture_on_commit_callbacks(execute=True):
        services.add_version(document, file)
    assert FileText.objects.get(file=file).text == "Zebra terms"
    assert refreshed == [document.pk]
    assert document.content == "Zebra terms"


def test_documents_added_before_get_their_text(org, django_capture_on_commit_callbacks, refreshed):
    documents = [DocumentFactory(organization=org) for _ in range(3)]
    for n, document in enumerate(documents):
        file = FileStorageFactory(organization=org, content=f"Zebra {n}".encode())
        file.mime_type = "text/plain"
        file.save()
        services.add_version(document, file)  # its task never ran
    gone = documents[2].current_version.file
    gone.file.storage.delete(gone.file.name)
    assert document.content == ""

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "index_document_texts", stdout=(out := io.StringIO()), stderr=(err := io.StringIO())
        )
    assert sorted(FileText.objects.values_list("text", flat=True)) == ["Zebra 0", "Zebra 1"]
    assert sorted(refreshed) == sorted(document.pk for document in documents)
    assert "Extracted the text of 2 documents. 1 could not be read" in out.getvalue()
    assert f"Document {documents[2].pk}:" in err.getvalue()
