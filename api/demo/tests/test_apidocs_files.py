"""The files' examples (api.demo.apidocs.calls_files) and what they need of the capture:
uploads sent as multipart/form-data, downloads (not JSON) kept by their headers and
size, shown as curl -F lines and a note in the reference, and as a formdata body in the
Postman collection."""

import json

import magic
import pytest

from api.demo.apidocs import capture, postman
from api.demo.apidocs.calls import LOGIN, PRODUCTS
from api.demo.apidocs.calls_files import CALLS, NOT_A_PDF, REPORT
from api.demo.apidocs.capture import SAMPLES, Call, Scenario, Stabilizer, form_fields
from api.demo.apidocs.markdown import _form_option, curl, operation_of, render
from api.v1.base_models.files.models import FileStorage

pytestmark = pytest.mark.django_db

FILES_OPERATIONS = {
    ("GET", "/api/v1/files/"),
    ("POST", "/api/v1/files/"),
    ("GET", "/api/v1/files/{id}/"),
    ("PUT", "/api/v1/files/{id}/"),
    ("PATCH", "/api/v1/files/{id}/"),
    ("DELETE", "/api/v1/files/{id}/"),
    ("GET", "/api/v1/files/{id}/download/"),
    ("GET", "/api/v1/files/{id}/history/"),
}
FIND_ORGANIZATION = PRODUCTS[0]  # saves `organization`, the demo organization's id


def _exchanges() -> dict:
    run = Scenario().run([*LOGIN, FIND_ORGANIZATION, *CALLS])
    return {each.call.title: each for each in run}


# -------------------------------------------------------------------- the samples
def test_the_samples_are_what_their_calls_say():
    assert magic.from_file(str(SAMPLES / REPORT), mime=True) == "application/pdf"
    # Named .pdf, but text: the upload refuses it (file_type_mismatch).
    assert magic.from_file(str(SAMPLES / NOT_A_PDF), mime=True) == "text/plain"


# ------------------------------------------------------------------------ capture
def test_form_fields_repeat_lists_and_send_objects_as_json_text():
    assert form_fields(
        {"organization": 3, "tags": ["a", "b"], "custom_fields": {"k": 1}, "x": None, "on": True}
    ) == [
        ("organization", "3"),
        ("tags", "a"),
        ("tags", "b"),
        ("custom_fields", '{"k": 1}'),
        ("on", "true"),
    ]
    assert form_fields(None) == []


def test_an_upload_is_sent_as_multipart(demo, monkeypatch, tmp_path):
    # A sample of its own (SAMPLES is where the files of `Call.files` are read).
    (tmp_path / "files").mkdir()
    content = (SAMPLES / REPORT).read_bytes()
    (tmp_path / "files" / "mine.pdf").write_bytes(content)
    monkeypatch.setattr(capture, "SAMPLES", tmp_path)
    scenario = Scenario()
    scenario.call(FIND_ORGANIZATION)
    sent = []
    post = scenario.client.post

    def spy(path, data=None, **kwargs):
        sent.append((data, kwargs.get("content_type")))
        return post(path, data, **kwargs)

    monkeypatch.setattr(scenario.client, "post", spy)

    exchange = scenario.call(
        Call(
            "Upload",
            "POST",
            "/api/v1/files/",
            body={
                "organization": "{organization}",
                "tags": ["a", "b"],
                "custom_fields": {"k": 1},
            },
            files={"file": "files/mine.pdf"},
            status=201,
        )
    )

    data, content_type = sent[-1]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="tags"\r\n\r\na\r\n' in data
    assert b'name="tags"\r\n\r\nb\r\n' in data
    assert b'name="file"; filename="mine.pdf"\r\nContent-Type: application/pdf' in data
    assert exchange.response["tags"] == ["a", "b"]
    assert exchange.response["custom_fields"] == {"k": 1}
    assert exchange.response["size"] == len(content)
    assert exchange.response["mime_type"] == "application/pdf"
    assert exchange.body["organization"] == exchange.response["organization"]
    assert exchange.binary_size is None


def test_a_download_is_kept_by_its_headers_and_size(demo):
    exchanges = _exchanges()
    size = len((SAMPLES / REPORT).read_bytes())

    whole = exchanges["Download a file"]
    assert (whole.status, whole.response, whole.binary_size) == (200, None, size)
    assert whole.headers["Content-Type"] == "application/pdf"
    assert whole.headers["Content-Disposition"].startswith("attachment; filename=")
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "Content-Range" not in whole.headers

    part = next(each for title, each in exchanges.items() if title.startswith("Download a part"))
    assert (part.status, part.response, part.binary_size) == (206, None, 100)
    assert part.sent_headers == {"Range": "bytes=0-99"}
    assert part.headers["Content-Range"] == f"bytes 0-99/{size}"
    # A JSON answer shows no Content-Type (the same everywhere).
    assert "Content-Type" not in exchanges["Read a file's history"].headers


# ------------------------------------------------------------------ the scenario
def test_every_files_operation_is_in_the_schema(schema):
    missing = {
        (method, path)
        for method, path in FILES_OPERATIONS
        if method.lower() not in schema["paths"].get(path, {})
    }
    assert not missing


def test_every_files_operation_has_an_exchange_and_nothing_is_left(demo, schema):
    run = Scenario().run([*LOGIN, FIND_ORGANIZATION, *CALLS])

    covered = {
        (each.call.method, operation_of(schema, each.call.method, each.path)) for each in run
    }
    assert not FILES_OPERATIONS - covered
    assert all(operation_of(schema, each.call.method, each.path) for each in run[-len(CALLS) :])
    assert not FileStorage.objects.exists()


def test_the_files_calls_chain_their_changes(demo):
    exchanges = _exchanges()
    uploaded = exchanges["Upload a file (multipart/form-data) with tags and custom fields"]
    assert uploaded.response["tags"] == ["finance", "quarterly"]
    assert uploaded.response["custom_fields"] == {"quarter": "2026-Q1"}
    listed = exchanges["List the PDF files"].response["results"]
    assert [each["id"] for each in listed] == [uploaded.response["id"]]
    read = exchanges["Read a file (its ETag is its version)"]
    renamed = exchanges["Rename a file, if nobody changed it since you read it"]
    assert renamed.sent_headers == {"If-Match": read.headers["ETag"]}
    replaced = next(each for title, each in exchanges.items() if title.startswith("Replace"))
    assert replaced.sent_headers == {"If-Match": renamed.headers["ETag"]}
    refused = exchanges["An upload whose content is not what its name says is refused"]
    assert "does not match its name" in refused.response["file"][0]


# ------------------------------------------------------------- the reference
def test_the_reference_shows_curl_form_fields_and_no_file_bytes(demo, schema):
    exchanges = list(_exchanges().values())
    markdown = render(schema, exchanges, Stabilizer())

    section = markdown.split("`POST /api/v1/files/`")[1].split("\n### ")[0]
    assert '  -F "organization=' in section
    assert '  -F "tags=finance" \\\n  -F "tags=quarterly"' in section
    assert '  -F \'custom_fields={"quarter": "2026-Q1"}\'' in section
    assert '  -F "file=@report.pdf"' in section
    assert '  -F "file=@not-a-pdf.pdf"' in section
    assert "Content-Type: application/json" not in section  # curl sets the multipart one
    assert "Response `400 Bad Request`:" in section

    download = markdown.split("`GET /api/v1/files/{id}/download/`")[1].split("\n### ")[0]
    assert "`Content-Type: application/pdf`" in download
    assert "`Content-Range: bytes 0-99/" in download
    assert "Response `206 Partial Content`:" in download
    assert "bytes of the file, not shown)" in download
    assert "```json" not in download


def test_form_values_are_quoted_for_the_shell_and_read_by_curl_as_text():
    assert _form_option("name", "Q1 report.pdf") == '-F "name=Q1 report.pdf"'
    assert _form_option("json", '{"a": "$x"}') == '-F \'json={"a": "$x"}\''
    assert _form_option("note", 'it\'s "x"') == "-F 'note=it'\\''s \"x\"'"
    assert _form_option("at", "@home") == '--form-string "at=@home"'
    assert _form_option("semi", "a;type=x") == '--form-string "semi=a;type=x"'


def test_curl_of_an_upload_without_other_fields():
    call = Call("Upload", "POST", "/api/v1/files/", files={"file": "files/report.pdf"})
    exchange = capture.Exchange(call, call.path, None, 201, {}, {})
    assert curl(exchange, Stabilizer()).endswith('\\\n  -F "file=@report.pdf"')


# --------------------------------------------------------------------- Postman
def test_postman_sends_an_upload_as_formdata_and_tests_a_download_by_its_status(demo, schema):
    exchanges = list(_exchanges().values())
    collection = postman.collection(schema, exchanges, Stabilizer())
    assert "--working-dir docs/postman" in collection["info"]["description"]
    items = {item["name"]: item for folder in collection["item"][1:] for item in folder["item"]}

    upload = items["Upload a file (multipart/form-data) with tags and custom fields"]
    body = upload["request"]["body"]
    assert body["mode"] == "formdata"
    assert body["formdata"] == [
        {"key": "organization", "value": "{{organization}}", "type": "text"},
        {"key": "original_name", "value": "Quarterly report.pdf", "type": "text"},
        {"key": "tags", "value": "finance", "type": "text"},
        {"key": "tags", "value": "quarterly", "type": "text"},
        {"key": "custom_fields", "value": '{"quarter": "2026-Q1"}', "type": "text"},
        {"key": "file", "type": "file", "src": REPORT},
    ]
    assert (SAMPLES / body["formdata"][-1]["src"]).is_file()
    # Postman sets the multipart Content-Type (with its boundary) itself.
    assert all(header["key"] != "Content-Type" for header in upload["request"]["header"])
    assert (
        'pm.environment.set("file", pm.response.json()["id"]);'
        in upload["event"][0]["script"]["exec"]
    )

    for name in (
        "Download a file",
        "Download a part of a file (a Range: here its first 100 bytes)",
    ):
        script = "\n".join(items[name]["event"][0]["script"]["exec"])
        assert "pm.response.to.have.status(" in script
        assert "pm.response.json()" not in script
        example = items[name]["response"][0]
        assert example["header"] == [{"key": "Content-Type", "value": "application/pdf"}]
        assert example["body"] == ""

    renamed = items["Rename a file, if nobody changed it since you read it"]
    assert renamed["request"]["body"]["mode"] == "raw"
    assert {"key": "If-Match", "value": "{{file_etag}}"} in renamed["request"]["header"]

    variables = postman.variables_of(exchanges)
    assert {"file", "file_etag"} <= set(variables)
    json.dumps(collection)  # every value is JSON
