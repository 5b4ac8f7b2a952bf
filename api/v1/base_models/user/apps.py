from django.apps import AppConfig


class UserConfig(AppConfig):
    name = "api.v1.base_models.user"
    label = "users"
    verbose_name = "Users and profiles"

    def ready(self):
        from . import signals  # noqa: F401
