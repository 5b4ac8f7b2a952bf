import importlib


def test_development_settings_debug_and_browsable_api():
    dev = importlib.import_module("config.settings.dev")

    assert dev.DEBUG is True
    assert dev.WHITENOISE_USE_FINDERS is True
    renderers = dev.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    assert "rest_framework.renderers.BrowsableAPIRenderer" in renderers
    # Everything else is the shared configuration.
    assert dev.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "api.v1.base_models.auth.authentication.JWTAuthentication",
        "api.v1.base_models.auth.authentication.APIKeyAuthentication",
    ]
