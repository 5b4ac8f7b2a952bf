from core.apps import PlatformAppConfig


class CommonConfig(PlatformAppConfig):
    name = "api.v1.base_models.common"
    label = "common"
    verbose_name = "Reference data"

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401
