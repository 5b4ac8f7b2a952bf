"""The documents' examples: a document about a demo product created with an upload,
found by its product, read and changed (If-Match), given new versions (an upload, then
a file uploaded before), a version restored and one downloaded (whole, and a part of
it), its history, a refused link, and its deletion, in the order a client makes the
calls.

Run after LOGIN and PRODUCTS of calls.py (they save `organization`, the demo
organization's id), as the demo user, who administers it. The demo data has no
category of type DOCUMENT_TYPE: the document has no `document_type`. The uploads send
the sample PDFs of docs/postman/files/ (capture.SAMPLES), each with its own content.
Deleting a document keeps the files of its versions: they are deleted at the end too,
so that the demo data is left as it was.
"""

from .capture import Call

REPORT = "files/report.pdf"
REVISED = "files/report-revised.pdf"
SIGNED = "files/report-signed.pdf"

DOCUMENTS = [
    # A file uploaded beforehand (a signed scan), to become a version later (file_id).
    Call(
        "Upload a file to add to a document later",
        "POST",
        "/api/v1/files/",
        body={
            "organization": "{organization}",
            "original_name": "Chair assembly guide (signed).pdf",
        },
        files={"file": SIGNED},
        status=201,
        save={"signed_file": "id"},
    ),
    Call(
        "Find a demo product to document",
        "GET",
        "/api/v1/products/",
        query={"organization": "{organization}", "search": "CHR-001"},
        save={"chair": "results.0.id"},
    ),
    Call(
        "Create a document about a product, with its first version (an upload)",
        "POST",
        "/api/v1/documents/",
        body={
            "organization": "{organization}",
            "title": "Chair assembly guide",
            "description": "How to assemble and adjust the ergonomic office chair.",
            "status": "DRAFT",
            "content_type": "products.product",
            "object_id": "{chair}",
            "tags": ["manual", "assembly"],
            "custom_fields": {"language": "en"},
            "change_note": "First draft.",
        },
        files={"file": REPORT},
        status=201,
        save={
            "document": "id",
            "document_etag": "header:ETag",
            "document_file_1": "current_version.file_id",
            "chair_object_id": "object_id",  # the product's id as text, as object_id is
        },
    ),
    Call(
        "List the documents of a record",
        "GET",
        "/api/v1/documents/",
        query={"content_type": "products.product", "object_id": "{chair}"},
    ),
    Call(
        "Read a document (its ETag is its version)",
        "GET",
        "/api/v1/documents/{document}/",
        save={"document_etag": "header:ETag"},
    ),
    Call(
        "Change a document's title and status, if nobody changed it since you read it",
        "PATCH",
        "/api/v1/documents/{document}/",
        body={"title": "Office chair assembly guide", "status": "PENDING_REVIEW"},
        headers={"If-Match": "{document_etag}"},
        save={"document_etag": "header:ETag"},
    ),
    Call(
        "Replace a document's metadata (its content changes by new versions)",
        "PUT",
        "/api/v1/documents/{document}/",
        body={
            "organization": "{organization}",
            "title": "Office chair assembly guide",
            "description": "Assembling and adjusting the ergonomic office chair.",
            "status": "ACTIVE",
            "content_type": "products.product",
            "object_id": "{chair_object_id}",
            "tags": ["manual", "assembly", "reviewed"],
            "custom_fields": {"language": "en", "pages": 1},
        },
        headers={"If-Match": "{document_etag}"},
    ),
    Call(
        "Add a version to a document (an upload, with a change note)",
        "POST",
        "/api/v1/documents/{document}/versions/",
        body={"change_note": "Revised after the review."},
        files={"file": REVISED},
        status=201,
        save={"document_file_2": "file_id"},
    ),
    Call(
        "Add a version from a file already uploaded (file_id)",
        "POST",
        "/api/v1/documents/{document}/versions/",
        body={"file_id": "{signed_file}", "change_note": "Signed by the reviewer."},
        status=201,
    ),
    Call("List the versions of a document", "GET", "/api/v1/documents/{document}/versions/"),
    Call(
        "Restore a version (as a new version)",
        "POST",
        "/api/v1/documents/{document}/versions/1/restore/",
        body={"change_note": "Back to the first draft."},
        status=201,
    ),
    Call(
        "Download a version of a document",
        "GET",
        "/api/v1/documents/{document}/versions/2/download/",
    ),
    Call(
        "Download a part of a version (a Range: here its first 100 bytes)",
        "GET",
        "/api/v1/documents/{document}/versions/2/download/",
        headers={"Range": "bytes=0-99"},
        status=206,
    ),
    Call("Read a document's history", "GET", "/api/v1/documents/{document}/history/"),
    Call(
        "A document about a record that cannot have documents is refused",
        "POST",
        "/api/v1/documents/",
        body={
            "organization": "{organization}",
            "title": "Audit entry notes",
            "content_type": "audit.auditlog",
            "object_id": "1",
            "file_id": "{signed_file}",
        },
        status=400,
    ),
    Call(
        "Comment on a document through its own route",
        "POST",
        "/api/v1/documents/{document}/comments/",
        body={"content": "Signed copy received; archive it next month."},
        status=201,
    ),
    Call("Read a document's comments", "GET", "/api/v1/documents/{document}/comments/"),
    # Its comments go with it.
    Call("Delete a document", "DELETE", "/api/v1/documents/{document}/", status=204),
    # The files of its versions stay (a file may serve elsewhere): deleted here too.
    Call(
        "Delete the file of the document's first version",
        "DELETE",
        "/api/v1/files/{document_file_1}/",
        status=204,
    ),
    Call(
        "Delete the file of the document's second version",
        "DELETE",
        "/api/v1/files/{document_file_2}/",
        status=204,
    ),
    Call(
        "Delete the file uploaded to become its third version",
        "DELETE",
        "/api/v1/files/{signed_file}/",
        status=204,
    ),
]

CALLS = DOCUMENTS
