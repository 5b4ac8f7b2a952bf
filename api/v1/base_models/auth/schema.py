"""OpenAPI description of the project's own authentication classes."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .authentication import API_KEY_HEADER


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.v1.base_models.auth.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": API_KEY_HEADER,
            "description": (
                "An API key, created by the user at /api/v1/auth/api-keys/ or by staff in "
                "the Admin; shown once. It acts as its user; a read-only key may only "
                "read (GET, HEAD, OPTIONS)."
            ),
        }


class JWTAuthenticationScheme(SimpleJWTScheme):
    """simplejwt's scheme (bearer JWT), for its subclass."""

    target_class = "api.v1.base_models.auth.authentication.JWTAuthentication"
