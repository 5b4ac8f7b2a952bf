"""The OpenAPI description of the authentication endpoints and of the API key scheme."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(public=True)


def test_the_api_key_scheme_is_described(schema):
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": (
            "An API key, created by the user at /api/v1/auth/api-keys/ or by staff in "
            "the Admin; shown once. It acts as its user; a read-only key may only read "
            "(GET, HEAD, OPTIONS)."
        ),
    }


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token/", "/api/v1/auth/token/2fa/", "/api/v1/auth/token/refresh/"]
)
def test_login_endpoints_need_no_credentials(schema, path):
    operation = schema["paths"][path]["post"]

    assert not operation.get("security")
    assert {"200", "400", "401"} <= set(operation["responses"])
