from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "api.v1.features.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        from . import signals  # noqa: F401
