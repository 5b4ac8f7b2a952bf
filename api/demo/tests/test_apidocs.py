"""The documentation's examples: real exchanges on the demo data, made stable, rendered
with the schema."""

import io

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from api.demo.apidocs.calls import SCENARIO
from api.demo.apidocs.capture import STABLE_TIME, Call, Scenario, ScenarioError, Stabilizer
from api.demo.apidocs.markdown import operation_of, render

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_scenario_runs_and_chains_ids(demo):
    exchanges = Scenario().run(SCENARIO)
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
    }
    assert stabilize(value) == {
        "created_at": STABLE_TIME,
        "token": "<token>",
        "key": "prefix.<API key>",
        "session": "00000000-0000-4000-8000-000000000001",
        "again": "00000000-0000-4000-8000-000000000001",
        "request_id": f"{1:032x}",
    }
    assert stabilize.etag('"abc"') == stabilize.etag('"abc"') != stabilize.etag('"def"')


def test_paths_match_their_operations(schema):
    assert operation_of(schema, "GET", "/api/v1/products/12/history/") == (
        "/api/v1/products/{id}/history/"
    )
    assert operation_of(schema, "GET", "/api/v1/products/?page_size=2") == "/api/v1/products/"
    assert operation_of(schema, "PUT", "/api/v1/health/") is None


def test_the_reference_shows_real_exchanges(demo, schema):
    markdown = render(schema, Scenario().run(SCENARIO), Stabilizer())

    assert "## Products" in markdown
    section = markdown.split("### Create a product\n")[1].split("\n### ")[0]
    assert "`POST /api/v1/products/`" in section
    assert "**Who may call:** Users whose role holds `products.add_product`" in section
    assert 'curl -X POST "$BASE_URL/api/v1/products/"' in section
    assert '-H "Authorization: Bearer $TOKEN"' in section
    assert '"sku": "ARM-001"' in section
    assert "Response `201 Created`:" in section
    assert f'"created_at": "{STABLE_TIME}"' in section
    assert "- `403`: The caller may not do this." in section
    # Operations without an example yet are listed with their schema alone.
    assert "### List currencies" in markdown


class TestBuildApiDocs:
    @pytest.fixture
    def document(self, tmp_path, monkeypatch, settings):
        from api.demo.management.commands import build_api_docs

        settings.DEBUG = True
        path = tmp_path / "api.md"
        path.write_text(f"# The guide\n\nWritten by hand.\n\n{build_api_docs.MARKER}\n\nstale\n")
        monkeypatch.setattr(build_api_docs, "DOCUMENT", path)
        return path

    def test_writes_the_reference_after_the_marker(self, document):
        call_command("build_api_docs", stdout=io.StringIO())
        text = document.read_text()
        assert text.startswith("# The guide\n\nWritten by hand.\n")
        assert "stale" not in text
        assert "# Reference" in text
        assert "### Create a product" in text

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
