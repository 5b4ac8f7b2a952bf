"""The documentation's examples: real exchanges on the demo data, made stable, rendered
with the schema."""

import io
import json

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from api.demo.apidocs.calls import SCENARIO
from api.demo.apidocs.capture import (
    STABLE_DURATION,
    STABLE_TIME,
    Call,
    Scenario,
    ScenarioError,
    Stabilizer,
)
from api.demo.apidocs.markdown import operation_of, render

pytestmark = pytest.mark.django_db


def test_the_scenario_runs_and_chains_ids(demo):
    exchanges = Scenario(api_key=demo).run(SCENARIO)
    created = next(each for each in exchanges if each.call.title == "Create a product")
    assert created.status == 201
    assert created.body["organization"] == exchanges[1].response["results"][0]["id"]
    history = next(each for each in exchanges if each.call.title == "Read its history")
    assert history.path == f"/api/v1/products/{created.response['id']}/history/"
    assert history.response["results"][0]["action_type"] == "TRANSITION"


def test_a_call_answering_another_status_stops_the_scenario(demo):
    with pytest.raises(ScenarioError, match="404, expected 200"):
        Scenario().call(Call("Missing", "GET", "/api/v1/products/999999/"))


def test_what_changes_between_runs_is_made_stable():
    stabilize = Stabilizer({"secret-key": "<API key>"})
    value = {
        "created_at": "2026-12-03T16:29:39.567304Z",
        "token": "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl",
        "key": "prefix.secret-key",
        "session": "3f2b8c1e-1111-4a2b-9c3d-0123456789ab",
        "again": "3f2b8c1e-1111-4a2b-9c3d-0123456789ab",
        "request_id": "c08721e2271842d99c5b89a5a1a43bcf",
        "logs": [{"duration_ms": 17}, {"duration_ms": None}],
    }
    assert stabilize(value) == {
        "created_at": STABLE_TIME,
        "token": "<token>",
        "key": "prefix.<API key>",
        "session": "00000000-0000-4000-8000-000000000001",
        "again": "00000000-0000-4000-8000-000000000001",
        "request_id": f"{1:032x}",
        "logs": [{"duration_ms": STABLE_DURATION}, {"duration_ms": None}],
    }
    assert stabilize.etag('"abc"') == stabilize.etag('"abc"') != stabilize.etag('"def"')


def test_paths_match_their_operations(schema):
    assert operation_of(schema, "GET", "/api/v1/products/12/history/") == (
        "/api/v1/products/{id}/history/"
    )
    assert operation_of(schema, "GET", "/api/v1/products/?page_size=2") == "/api/v1/products/"
    assert operation_of(schema, "PUT", "/api/v1/health/") is None


def test_the_reference_shows_real_exchanges(demo, schema):
    markdown = render(schema, Scenario(api_key=demo).run(SCENARIO), Stabilizer())

    assert "## Products" in markdown
    section = markdown.split("### Create a product\n")[1].split("\n### ")[0]
    assert "`POST /api/v1/products/`" in section
    assert "**Who may call:** Users whose role holds `products.add_product`" in section
    assert 'curl -X POST "$BASE_URL/api/v1/products/"' in section
    assert '-H "Authorization: Bearer $TOKEN"' in section
    assert '"sku": "ARM-001"' in section
    assert "Response `201 Created`:" in section
    assert f'"created_at": "{STABLE_TIME}"' in section
    assert "- `403`: The caller may not do this (`permission_denied`)." in section
    # Operations without an example yet are listed with their schema alone.
    assert "### List currencies" in markdown


class TestBuildApiDocs:
    @pytest.fixture
    def document(self, tmp_path, monkeypatch, settings):
        from api.demo.apidocs import schema_examples
        from api.demo.management.commands import build_api_docs

        settings.DEBUG = True
        path = tmp_path / "api.md"
        path.write_text(f"# The guide\n\nWritten by hand.\n\n{build_api_docs.MARKER}\n\nstale\n")
        monkeypatch.setattr(build_api_docs, "DOCUMENT", path)
        monkeypatch.setattr(build_api_docs, "POSTMAN", tmp_path / "postman")
        monkeypatch.setattr(build_api_docs, "OPENAPI", tmp_path / "openapi.yaml")
        monkeypatch.setattr(schema_examples, "EXAMPLES", tmp_path / "examples.json")
        return path

    def test_writes_the_reference_after_the_marker(self, document):
        call_command("build_api_docs", stdout=io.StringIO())
        text = document.read_text()
        assert text.startswith("# The guide\n\nWritten by hand.\n")
        assert "stale" not in text
        assert "# Reference" in text
        assert "### Create a product" in text
        collection = document.parent / "postman" / "erp-platform.postman_collection.json"
        assert '"name": "Log in as demo"' in collection.read_text()
        assert (document.parent / "postman" / "local.postman_environment.json").exists()
        assert (document.parent / "openapi.yaml").read_text().startswith("openapi: 3")
        examples = json.loads((document.parent / "examples.json").read_text())
        assert examples["POST /api/v1/products/"]["201"]["value"]["sku"] == "ARM-001"

    def test_check_fails_on_a_stale_reference(self, document):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="not what `make docs` writes"):
            call_command("build_api_docs", "--check", stdout=io.StringIO())
        assert "stale" in document.read_text()

    def test_a_document_without_the_marker_is_refused(self, document):
        from django.core.management.base import CommandError

        document.write_text("# The guide\n")
        with pytest.raises(CommandError, match="no reference marker"):
            call_command("build_api_docs", stdout=io.StringIO())


class TestPostmanCollection:
    def test_requests_in_order_with_tests_examples_and_chained_variables(self, demo, schema):
        from api.demo.apidocs import postman

        exchanges = Scenario().run(SCENARIO[:10])
        collection = postman.collection(schema, exchanges, Stabilizer())
        assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
        login, *folders = collection["item"]
        assert [item["name"] for item in login["item"]] == ["Log in as demo"]
        requests = [item for folder in folders for item in folder["item"]]
        assert [item["name"] for item in requests] == [e.call.title for e in exchanges]
        create = next(item for item in requests if item["name"] == "Create a product")
        raw = create["request"]["body"]["raw"]
        assert '"organization": {{organization}}' in raw  # a number: the bare variable
        assert create["request"]["url"] == "{{base_url}}/api/v1/products/"
        assert {"key": "Authorization", "value": "Bearer {{demo_token}}"} in (
            create["request"]["header"]
        )
        script = "\n".join(create["event"][0]["script"]["exec"])
        assert "pm.response.to.have.status(201)" in script
        assert 'pm.environment.set("product", pm.response.json()["id"]);' in script
        assert create["response"][0]["code"] == 201
        assert '"sku": "ARM-001"' in create["response"][0]["body"]

    def test_a_text_variable_stays_quoted(self):
        from api.demo.apidocs.postman import _raw_body

        raw = _raw_body({"slug": "{category}", "id": "{product}"}, {"slug": "lamps", "id": 7})
        assert '"slug": "{{category}}"' in raw
        assert '"id": {{product}}' in raw

    def test_a_computed_body_is_sent_as_its_postman_call_or_left_out(self, schema):
        from api.demo.apidocs import postman
        from api.demo.apidocs.capture import Exchange

        by_id = Call("Accept by id", "POST", "/api/v1/invitations/{invitation}/accept/", body={})
        computed = [
            Call(
                "Accept by token",
                "POST",
                "/api/v1/invitations/accept/",
                body={"token": lambda saved: "secret"},
                postman=by_id,
            ),
            Call(
                "Decline by token",
                "POST",
                "/api/v1/invitations/decline/",
                body={"token": lambda saved: "secret"},
            ),
        ]
        exchanges = [
            Exchange(call, call.path, {"token": "secret"}, 200, {}, {}) for call in computed
        ]
        collection = postman.collection(schema, exchanges, Stabilizer())
        names = [item["name"] for folder in collection["item"][1:] for item in folder["item"]]
        assert names == ["Accept by id"]

    def test_the_environments_hold_every_variable(self, demo):
        from api.demo.apidocs import postman

        exchanges = Scenario().run(SCENARIO[:10])
        keys = {
            value["key"]
            for value in postman.environment("local", "http://x", postman.variables_of(exchanges))[
                "values"
            ]
        }
        assert {"base_url", "demo_username", "demo_password", "demo_token", "demo_refresh"} <= keys
        assert {"organization", "category", "product"} <= keys


def test_every_operation_of_the_api_has_a_real_example(demo):
    """The reference shows a real exchange for every operation (make docs): an endpoint
    added later needs its calls in api/demo/apidocs/calls*.py."""
    schema = SchemaGenerator(urlconf="config.urls").get_schema(request=None, public=True)
    exchanges = Scenario(api_key=demo).run(SCENARIO)
    covered = {
        (each.call.method.lower(), operation_of(schema, each.call.method, each.path))
        for each in exchanges
    }
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete") and (method, path) not in covered
    ]
    assert missing == []


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_every_captured_answer_matches_the_schema(demo):
    """What the API answers is what its schema says (types, required fields, nulls):
    each JSON answer of the scenario, validated against its operation's response."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schema = SchemaGenerator(urlconf="config.urls").get_schema(request=None, public=True)
    root = _json_schema(json.loads(json.dumps(schema, default=str)))
    registry = Registry().with_resource(
        "urn:api", Resource(contents=root, specification=DRAFT202012)
    )
    mismatches = []
    for each in Scenario(api_key=demo).run(SCENARIO):
        path = operation_of(schema, each.call.method, each.path)
        responses = schema["paths"][path][each.call.method.lower()]["responses"]
        content = responses.get(str(each.status), {}).get("content", {})
        if each.response is None or "application/json" not in content:
            continue
        pointer = f"urn:api#/paths/{path.replace('~', '~0').replace('/', '~1')}"
        expected = {
            "$ref": f"{pointer}/{each.call.method.lower()}/responses/{each.status}"
            "/content/application~1json/schema"
        }
        validator = Draft202012Validator(expected, registry=registry)
        for error in validator.iter_errors(each.response):
            mismatches.append(f"{each.call.method} {path} {each.status}: {error.message}")
    assert mismatches == []


def test_the_no_lost_update_flow_is_shown(demo, schema):
    """Read (the ETag), change with If-Match, and a change from an older version: 412;
    in the reference and in the Postman collection."""
    from api.demo.apidocs import postman

    exchanges = Scenario(api_key=demo).run(SCENARIO[:10])
    read, change, refused = (
        e for e in exchanges if e.path.endswith(f"/{exchanges[4].response['id']}/")
    )
    assert read.sent_headers == {}
    assert "ETag" in read.headers
    assert change.sent_headers == {"If-Match": read.headers["ETag"]}
    assert (change.status, refused.status) == (200, 412)
    assert refused.response["code"] == "precondition_failed"

    stabilize = Stabilizer()
    markdown = render(schema, exchanges, stabilize)
    version = stabilize.etag(read.headers["ETag"])
    assert f"`ETag: {version}`" in markdown
    assert f"-H 'If-Match: {version}'" in markdown

    items = [
        item
        for folder in postman.collection(schema, exchanges, Stabilizer())["item"][1:]
        for item in folder["item"]
    ]
    read_item = next(item for item in items if item["name"] == read.call.title)
    assert (
        'pm.environment.set("product_etag", pm.response.headers.get("ETag"));'
        in (read_item["event"][0]["script"]["exec"])
    )
    refused_item = next(item for item in items if item["name"] == refused.call.title)
    assert {"key": "If-Match", "value": "{{product_etag}}"} in refused_item["request"]["header"]
    assert "pm.response.to.have.status(412);" in "\n".join(
        refused_item["event"][0]["script"]["exec"]
    )
