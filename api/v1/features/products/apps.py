from core.apps import PlatformAppConfig


class ProductsConfig(PlatformAppConfig):
    name = "api.v1.features.products"
    label = "products"
    verbose_name = "Products"
