from core.apps import PlatformAppConfig


class AuditConfig(PlatformAppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        super().ready()
        from . import install, signals  # noqa: F401

        install.connect_all()
