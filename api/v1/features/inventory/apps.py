from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "api.v1.features.inventory"
    label = "inventory"
    verbose_name = "Inventory"
