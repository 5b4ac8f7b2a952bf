from core.apps import PlatformAppConfig


class TestAppConfig(PlatformAppConfig):
    """Concrete models over core's abstract ones; installed by config.settings.test only."""

    name = "tests.testapp"
    label = "testapp"
