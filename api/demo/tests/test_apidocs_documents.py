"""The documents' examples (api.demo.apidocs.calls_documents): every documents operation
has a real exchange, the calls chain their ids, ETags and versions, and the demo data
is left as it was."""

import magic
import pytest

from api.demo.apidocs import postman
from api.demo.apidocs.calls import LOGIN, PRODUCTS
from api.demo.apidocs.calls_documents import CALLS, REPORT, REVISED, SIGNED
from api.demo.apidocs.capture import SAMPLES, Scenario, Stabilizer
from api.demo.apidocs.markdown import operation_of
from api.v1.base_models.files.models import FileStorage
from api.v1.features.documents.models import Document

pytestmark = pytest.mark.django_db

DOCUMENTS_OPERATIONS = {
    ("GET", "/api/v1/documents/"),
    ("POST", "/api/v1/documents/"),
    ("GET", "/api/v1/documents/{id}/"),
    ("PUT", "/api/v1/documents/{id}/"),
    ("PATCH", "/api/v1/documents/{id}/"),
    ("DELETE", "/api/v1/documents/{id}/"),
    ("GET", "/api/v1/documents/{id}/history/"),
    ("GET", "/api/v1/documents/{id}/versions/"),
    ("POST", "/api/v1/documents/{id}/versions/"),
    ("POST", "/api/v1/documents/{id}/versions/{number}/restore/"),
    ("GET", "/api/v1/documents/{id}/versions/{number}/download/"),
}
FIND_ORGANIZATION = PRODUCTS[0]  # saves `organization`, the demo organization's id


def _run() -> list:
    return Scenario().run([*LOGIN, FIND_ORGANIZATION, *CALLS])


def test_the_samples_are_pdfs_with_their_own_content():
    samples = [(SAMPLES / each).read_bytes() for each in (REPORT, REVISED, SIGNED)]
    assert all(magic.from_buffer(each, mime=True) == "application/pdf" for each in samples)
    assert len(set(samples)) == 3


def test_every_documents_operation_is_in_the_schema(schema):
    missing = {
        (method, path)
        for method, path in DOCUMENTS_OPERATIONS
        if method.lower() not in schema["paths"].get(path, {})
    }
    assert not missing


def test_every_documents_operation_has_an_exchange_and_nothing_is_left(demo, schema):
    run = _run()

    covered = {
        (each.call.method, operation_of(schema, each.call.method, each.path)) for each in run
    }
    assert not DOCUMENTS_OPERATIONS - covered
    assert all(operation_of(schema, each.call.method, each.path) for each in run)
    assert not Document.objects.exists()
    assert not FileStorage.objects.exists()


def test_the_documents_calls_chain_their_changes(demo):
    exchanges = {each.call.title: each for each in _run()}
    created = exchanges["Create a document about a product, with its first version (an upload)"]
    product = exchanges["Find a demo product to document"].response["results"][0]
    assert product["sku"] == "CHR-001"
    assert (created.response["content_type"], created.response["object_id"]) == (
        "products.product",
        str(product["id"]),
    )
    assert created.response["current_version"]["number"] == 1
    listed = exchanges["List the documents of a record"].response["results"]
    assert [each["id"] for each in listed] == [created.response["id"]]

    read = exchanges["Read a document (its ETag is its version)"]
    changed = exchanges[
        "Change a document's title and status, if nobody changed it since you read it"
    ]
    assert changed.sent_headers == {"If-Match": read.headers["ETag"]}
    assert changed.response["status"] == "PENDING_REVIEW"
    replaced = next(each for title, each in exchanges.items() if title.startswith("Replace"))
    assert replaced.sent_headers == {"If-Match": changed.headers["ETag"]}
    assert replaced.response["status"] == "ACTIVE"

    uploaded = exchanges["Upload a file to add to a document later"].response
    from_file = exchanges["Add a version from a file already uploaded (file_id)"].response
    assert (from_file["number"], from_file["file_id"]) == (3, uploaded["id"])
    versions = exchanges["List the versions of a document"].response["results"]
    assert [each["number"] for each in versions] == [3, 2, 1]
    restored = exchanges["Restore a version (as a new version)"].response
    assert (restored["number"], restored["restored_from"], restored["is_current"]) == (
        4,
        1,
        True,
    )
    assert restored["file_id"] == created.response["current_version"]["file_id"]

    size = len((SAMPLES / REVISED).read_bytes())
    whole = exchanges["Download a version of a document"]
    assert (whole.status, whole.binary_size) == (200, size)
    assert whole.headers["Content-Type"] == "application/pdf"
    part = next(each for title, each in exchanges.items() if title.startswith("Download a part"))
    assert (part.status, part.binary_size) == (206, 100)
    assert part.headers["Content-Range"] == f"bytes 0-99/{size}"

    refused = exchanges["A document about a record that cannot have documents is refused"]
    assert refused.status == 400
    assert list(refused.response) == ["content_type"]


def test_postman_chains_the_documents_calls(demo, schema):
    exchanges = _run()
    collection = postman.collection(schema, exchanges, Stabilizer())
    items = {item["name"]: item for folder in collection["item"][1:] for item in folder["item"]}

    created = items["Create a document about a product, with its first version (an upload)"]
    assert created["request"]["body"]["mode"] == "formdata"
    assert {"key": "file", "type": "file", "src": REPORT} in created["request"]["body"]["formdata"]
    replaced = items["Replace a document's metadata (its content changes by new versions)"]
    # object_id is text: its variable stays quoted.
    assert '"object_id": "{{chair_object_id}}"' in replaced["request"]["body"]["raw"]
    from_file = items["Add a version from a file already uploaded (file_id)"]
    assert '"file_id": {{signed_file}}' in from_file["request"]["body"]["raw"]
    assert {"document", "document_etag", "signed_file", "chair_object_id"} <= set(
        postman.variables_of(exchanges)
    )
