from core.apps import PlatformAppConfig


class InventoryConfig(PlatformAppConfig):
    name = "api.v1.features.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401
