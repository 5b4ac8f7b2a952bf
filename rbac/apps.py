from core.apps import PlatformAppConfig


class RbacConfig(PlatformAppConfig):
    name = "rbac"
    verbose_name = "Roles and permissions"

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401
