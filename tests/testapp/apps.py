from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Concrete models over core's abstract ones; installed by config.settings.test only."""

    name = "tests.testapp"
    label = "testapp"
