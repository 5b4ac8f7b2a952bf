from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "api.v1.base_models.contact"
    label = "contact"
    verbose_name = "Contacts"

    def ready(self):
        from . import signals  # noqa: F401
