from core.apps import PlatformAppConfig


class UserConfig(PlatformAppConfig):
    name = "api.v1.base_models.user"
    label = "users"
    verbose_name = "Users and profiles"

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401
