"""The files' examples: an upload (multipart/form-data), finding, reading, renaming and
downloading it (whole, and a part of it), its history, a refused upload, and its
deletion, in the order a client makes the calls.

Run after LOGIN and PRODUCTS of calls.py (they save `organization`, the demo
organization's id), as the demo user, who administers it. The uploads send the sample
files of docs/postman/files/ (capture.SAMPLES): a one-page PDF, and a text file named
`.pdf` that the upload refuses. The file uploaded here is deleted at the end, so that
the demo data is left as it was.
"""

from .capture import Call

REPORT = "files/report.pdf"
NOT_A_PDF = "files/not-a-pdf.pdf"  # plain text: its content contradicts its name

FILES = [
    Call(
        "Upload a file (multipart/form-data) with tags and custom fields",
        "POST",
        "/api/v1/files/",
        body={
            "organization": "{organization}",
            "original_name": "Quarterly report.pdf",
            "tags": ["finance", "quarterly"],
            "custom_fields": {"quarter": "2026-Q1"},
        },
        files={"file": REPORT},
        status=201,
        save={"file": "id"},
    ),
    Call(
        "List the PDF files",
        "GET",
        "/api/v1/files/",
        query={"mime_type": "application/pdf"},
    ),
    Call("List the files with a tag", "GET", "/api/v1/files/", query={"tags": "finance"}),
    Call(
        "Read a file (its ETag is its version)",
        "GET",
        "/api/v1/files/{file}/",
        save={"file_etag": "header:ETag"},
    ),
    Call(
        "Rename a file, if nobody changed it since you read it",
        "PATCH",
        "/api/v1/files/{file}/",
        body={"original_name": "Quarterly report 2026-Q1.pdf"},
        headers={"If-Match": "{file_etag}"},
        save={"file_etag": "header:ETag"},
    ),
    Call(
        "Replace a file's name, tags and custom fields (its content never changes)",
        "PUT",
        "/api/v1/files/{file}/",
        body={
            "organization": "{organization}",
            "original_name": "Quarterly report 2026-Q1 (final).pdf",
            "tags": ["finance", "quarterly", "board"],
            "custom_fields": {"quarter": "2026-Q1", "reviewed": True},
        },
        headers={"If-Match": "{file_etag}"},
    ),
    Call("Download a file", "GET", "/api/v1/files/{file}/download/"),
    Call(
        "Download a part of a file (a Range: here its first 100 bytes)",
        "GET",
        "/api/v1/files/{file}/download/",
        headers={"Range": "bytes=0-99"},
        status=206,
    ),
    Call("Read a file's history", "GET", "/api/v1/files/{file}/history/"),
    Call(
        "An upload whose content is not what its name says is refused",
        "POST",
        "/api/v1/files/",
        body={"organization": "{organization}"},
        files={"file": NOT_A_PDF},
        status=400,
    ),
    Call("Delete a file", "DELETE", "/api/v1/files/{file}/", status=204),
]

CALLS = FILES
