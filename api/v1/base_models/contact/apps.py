from core.apps import PlatformAppConfig


class ContactConfig(PlatformAppConfig):
    name = "api.v1.base_models.contact"
    label = "contact"
    verbose_name = "Contacts"

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401
