from core.apps import PlatformAppConfig


class AuditConfig(PlatformAppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        super().ready()
        from . import registry, signals  # noqa: F401

        registry.connect_all()
