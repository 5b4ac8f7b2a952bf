"""The OpenAPI schema validates, documents every endpoint, and the docs pages load."""

import json

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

EXPECTED_OPERATIONS = {
    ("/api/v1/health/", "get"),
    ("/api/v1/health/live/", "get"),
    ("/api/v1/health/ready/", "get"),
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/auth/token/2fa/", "post"),
    ("/api/v1/auth/token/refresh/", "post"),
    ("/api/v1/auth/logout/", "post"),
    ("/api/v1/auth/2fa/totp/", "get"),
    ("/api/v1/auth/2fa/totp/setup/", "post"),
    ("/api/v1/auth/2fa/totp/verify/", "post"),
    ("/api/v1/auth/2fa/totp/disable/", "post"),
    ("/api/v1/auth/password/change/", "post"),
    ("/api/v1/profiles/me/", "get"),
    ("/api/v1/profiles/me/", "put"),
    ("/api/v1/profiles/me/", "patch"),
    ("/api/v1/currencies/", "get"),
    ("/api/v1/currencies/{code}/", "get"),
    ("/api/v1/statuses/", "get"),
    ("/api/v1/statuses/{slug}/", "get"),
    ("/api/v1/uoms/", "get"),
    ("/api/v1/uoms/{code}/", "get"),
    ("/api/v1/tax-jurisdictions/", "get"),
    ("/api/v1/tax-jurisdictions/{code}/", "get"),
    ("/api/v1/tax-categories/", "get"),
    ("/api/v1/tax-categories/{code}/", "get"),
    ("/api/v1/tax-rates/", "get"),
    ("/api/v1/tax-rates/{id}/", "get"),
    ("/api/v1/categories/", "get"),
    ("/api/v1/categories/", "post"),
    ("/api/v1/categories/{slug}/", "get"),
    ("/api/v1/categories/{slug}/", "put"),
    ("/api/v1/categories/{slug}/", "patch"),
    ("/api/v1/categories/{slug}/", "delete"),
    ("/api/v1/categories/tree/{category_type}/", "get"),
    ("/api/v1/organization-types/", "get"),
    ("/api/v1/organization-types/{name}/", "get"),
    ("/api/v1/organizations/", "get"),
    ("/api/v1/organizations/", "post"),
    ("/api/v1/organizations/{id}/", "get"),
    ("/api/v1/organizations/{id}/", "put"),
    ("/api/v1/organizations/{id}/", "patch"),
    ("/api/v1/organizations/{id}/", "delete"),
    ("/api/v1/organizations/{id}/descendants/", "get"),
    ("/api/v1/organizations/{id}/ancestors/", "get"),
    ("/api/v1/organizations/{id}/children/", "get"),
    ("/api/v1/organizations/{id}/move/", "post"),
    ("/api/v1/organizations/{id}/my-permissions/", "get"),
    ("/api/v1/organization-memberships/", "get"),
    ("/api/v1/organization-memberships/", "post"),
    ("/api/v1/organization-memberships/{id}/", "patch"),
    ("/api/v1/organization-memberships/{id}/", "delete"),
    ("/api/v1/profiles/me/memberships/", "get"),
    ("/api/v1/contacts/", "get"),
    ("/api/v1/contacts/", "post"),
    ("/api/v1/contacts/{id}/", "get"),
    ("/api/v1/contacts/{id}/", "put"),
    ("/api/v1/contacts/{id}/", "patch"),
    ("/api/v1/contacts/{id}/", "delete"),
    ("/api/v1/roles/", "get"),
    ("/api/v1/roles/{id}/", "get"),
    ("/api/v1/field-permissions/", "get"),
    ("/api/v1/field-permissions/", "post"),
    ("/api/v1/custom-field-definitions/", "get"),
    ("/api/v1/custom-field-definitions/", "post"),
    ("/api/v1/audit-logs/", "get"),
    ("/api/v1/audit-logs/{id}/", "get"),
    ("/api/v1/organizations/{id}/history/", "get"),
    ("/api/v1/contacts/{id}/history/", "get"),
    ("/api/v1/categories/{slug}/history/", "get"),
    ("/api/v1/products/", "get"),
    ("/api/v1/products/", "post"),
    ("/api/v1/products/{id}/", "get"),
    ("/api/v1/products/{id}/", "put"),
    ("/api/v1/products/{id}/", "patch"),
    ("/api/v1/products/{id}/", "delete"),
    ("/api/v1/products/{id}/history/", "get"),
    ("/api/v1/products/{id}/activate/", "post"),
    ("/api/v1/products/{id}/discontinue/", "post"),
    ("/api/v1/products/{id}/reset-to-draft/", "post"),
    ("/api/v1/products/{id}/available-transitions/", "get"),
    ("/api/v1/tags/", "get"),
    ("/api/v1/tags/{slug}/", "get"),
}


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_every_endpoint_is_documented(schema):
    documented = {
        (path, method) for path, operations in schema["paths"].items() for method in operations
    }
    assert documented >= EXPECTED_OPERATIONS


def test_every_component_is_referred_to(schema):
    # The request halves of read-only nested serializers (a comment's author) are
    # left out: no request holds them.
    text = json.dumps(schema)
    components = schema["components"]["schemas"]
    assert {"Comment", "Reply", "Person", "Attachment"} <= set(components)
    assert [name for name in components if f'"#/components/schemas/{name}"' not in text] == []
    assert "PersonRequest" not in components


def test_security_schemes_bearer_and_api_key(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["ApiKeyAuth"]["type"] == "apiKey"
    assert schemes["ApiKeyAuth"]["in"] == "header"
    assert schemes["ApiKeyAuth"]["name"] == "X-API-Key"
    profile = schema["paths"]["/api/v1/profiles/me/"]["get"]
    assert {"jwtAuth": []} in profile["security"]
    assert {"ApiKeyAuth": []} in profile["security"]


def test_reference_lists_document_their_filters(schema):
    parameters = {
        parameter["name"]
        for parameter in schema["paths"]["/api/v1/tax-rates/"]["get"]["parameters"]
    }
    assert {"valid_on", "jurisdiction", "tax_category", "tax_type", "is_active"} <= parameters
    assert {"page", "page_size", "search", "ordering"} <= parameters


def test_login_documents_both_outcomes(schema):
    login = schema["paths"]["/api/v1/auth/token/"]["post"]
    body = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/LoginRequest")
    result = login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    one_of = schema["components"]["schemas"][result.rsplit("/", 1)[1]]["oneOf"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in one_of} == {
        "TokenPair",
        "TwoFactorChallenge",
    }
    assert {"401", "429"} <= set(login["responses"])


def test_profile_update_accepts_multipart_for_the_picture(schema):
    patch = schema["paths"]["/api/v1/profiles/me/"]["patch"]
    assert "multipart/form-data" in patch["requestBody"]["content"]


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any undocumented or ambiguous endpoint into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi:")


def test_swagger_ui_and_its_assets_are_served_locally(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "/api/schema/" in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_redoc_is_served(client):
    assert client.get("/api/redoc/").status_code == 200


def test_transitions_document_their_body_and_refusals(schema):
    operation = schema["paths"]["/api/v1/products/{id}/activate/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/TransitionReasonRequest")
    assert set(operation["responses"]) == {
        *("200", "400", "401", "403", "404", "409", "412", "413", "415", "428"),
    }
    assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["If-Match"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Product"
    )
    refused = schema["components"]["schemas"]["TransitionRefusalCodeEnum"]
    assert "transition_condition_failed" in refused["enum"]


def test_every_operation_documents_the_errors_it_can_give(schema):
    """The errors each kind of operation can answer, with their shapes: what the
    parsers, the middleware, authentication, lookups and writes produce."""
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            expected = set()
            if "requestBody" in operation:
                expected |= {"400", "413", "415"}
            if "{" in path:
                expected.add("404")
            if {} not in operation.get("security", [{}]):
                expected |= {"401", "403"}
            if method in ("post", "put", "patch", "delete"):
                expected.add("409")
            if expected - set(responses):
                missing.append((method, path, sorted(expected - set(responses))))
    assert missing == []
    products = schema["paths"]["/api/v1/products/{id}/"]["patch"]["responses"]
    assert products["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/FieldErrors")
    assert products["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    # A body naming a record the caller may not see (a comment's) is a 404 too.
    assert "404" in schema["paths"]["/api/v1/comments/"]["post"]["responses"]
    assert "404" not in schema["paths"]["/api/v1/contacts/"]["post"]["responses"]


def test_every_operation_has_a_summary_and_says_who_may_call_it(schema):
    """Endpoints added later are documented the day they land: a summary, and who may
    call them (each permission class describes the access it grants: describe_access)."""
    missing = [
        (method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if not operation.get("summary") or "**Who may call:**" not in operation["description"]
    ]
    assert missing == []
    products = schema["paths"]["/api/v1/products/"]
    assert products["get"]["summary"] == "List products"
    assert products["post"]["summary"] == "Create a product"
    created_by = products["post"]["description"]
    assert "`products.add_product` in the organization of the new record" in created_by
    assert schema["paths"]["/api/v1/uoms/{code}/"]["get"]["summary"] == "Get a unit of measure"
    assert "Anyone, without credentials." in schema["paths"]["/api/v1/uoms/"]["get"]["description"]
    categories = schema["paths"]["/api/v1/categories/"]
    assert "`common.add_category` globally" in categories["post"]["description"]
    assert "API keys are refused" in schema["paths"]["/api/v1/auth/api-keys/"]["get"]["description"]


def test_a_permission_class_that_cannot_say_who_it_lets_in_is_found():
    from rest_framework.permissions import BasePermission

    from core.schema import access_text

    class Secretive(BasePermission):
        pass

    class View:
        def get_permissions(self):
            return [Secretive()]

    assert access_text(View()) is None


def test_public_reads_say_that_no_credentials_are_needed(schema):
    for path in ("/api/v1/categories/", "/api/v1/categories/{slug}/", "/api/v1/health/ready/"):
        assert {} in schema["paths"][path]["get"].get("security", [{}]), path
    assert {} not in schema["paths"]["/api/v1/categories/"]["post"]["security"]


def test_optional_query_parameters_may_be_empty(schema):
    """`?status=` is no filter, as the server reads it."""
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    for name in ("status", "search", "ordering", "filter", "page", "page_size", "organization"):
        assert parameters[name].get("allowEmptyValue") is True, name
    assert parameters["page_size"]["schema"]["minimum"] == 1


def test_a_field_that_may_be_blank_admits_the_empty_text(schema):
    email = schema["components"]["schemas"]["UserSummary"]["properties"]["email"]
    assert "format" not in email
    assert email["anyOf"] == [{"format": "email"}, {"maxLength": 0}]


def test_bodies_are_json_and_multipart_only_where_files_are_uploaded(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            media = set(operation.get("requestBody", {}).get("content", {}))
            if path == "/api/v1/profiles/me/" and method in ("put", "patch"):
                assert "multipart/form-data" in media
            elif (path, method) == ("/api/v1/files/", "post") or (
                method == "post" and path.endswith("/import/")
            ):
                assert media == {"multipart/form-data"}
            elif method == "post" and path in (
                "/api/v1/documents/",
                "/api/v1/documents/{id}/versions/",
            ):
                # An upload, or the id of a file already uploaded.
                assert media == {"multipart/form-data", "application/json"}
            elif media:
                assert media == {"application/json"}, (method, path, media)


def test_conditional_requests_are_documented_where_they_are_offered(schema):
    """core.conditional: ETag on a record's answers, If-None-Match and 304 on its reads,
    If-Match, 412 and 428 on its writes; lists have none of them."""
    paths = schema["paths"]

    def headers_in(operation):
        return [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]

    read = paths["/api/v1/products/{id}/"]["get"]
    assert headers_in(read) == ["If-None-Match"]
    assert "304" in read["responses"]
    assert "ETag" in read["responses"]["200"]["headers"]
    for method in ("put", "patch", "delete"):
        write = paths["/api/v1/products/{id}/"][method]
        assert headers_in(write) == ["If-Match"], method
        assert {"412", "428"} <= set(write["responses"]), method
        assert "ETag" in write["responses"]["412"]["headers"]
    created = paths["/api/v1/products/"]["post"]["responses"]["201"]
    assert "ETag" in created["headers"]
    assert headers_in(paths["/api/v1/products/"]["get"]) == []
    assert "304" in paths["/api/v1/currencies/{code}/"]["get"]["responses"]
    assert "412" not in paths["/api/v1/audit-logs/{id}/"]["get"]["responses"]


def test_every_answer_with_a_body_has_a_real_example():
    """The schema's successful JSON responses carry the answer captured on the demo data
    by `make docs` (api/demo/apidocs): Swagger UI and Redoc show real answers."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="config.urls").get_schema(request=None, public=True)
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                media = response.get("content", {}).get("application/json")
                if status.startswith("2") and media is not None and "examples" not in media:
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []
    example = schema["paths"]["/api/v1/products/"]["post"]["responses"]["201"]["content"][
        "application/json"
    ]["examples"]["captured"]
    assert example["summary"] == "Create a product"
    assert example["value"]["sku"] == "ARM-001"
