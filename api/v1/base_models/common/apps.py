from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "api.v1.base_models.common"
    label = "common"
    verbose_name = "Reference data"

    def ready(self):
        from . import signals  # noqa: F401
