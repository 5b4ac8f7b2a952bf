from django.apps import AppConfig


class RbacConfig(AppConfig):
    name = "rbac"
    verbose_name = "Roles and permissions"

    def ready(self):
        from . import signals  # noqa: F401
