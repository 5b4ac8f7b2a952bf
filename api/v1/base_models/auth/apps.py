from core.apps import PlatformAppConfig


class AuthenticationConfig(PlatformAppConfig):
    # The folder is `auth`; the label cannot be, Django's auth app holds it.
    name = "api.v1.base_models.auth"
    label = "authentication"
    verbose_name = "Authentication"

    def ready(self):
        super().ready()
        from . import schema  # noqa: F401  (OpenAPI description of the API key scheme)
