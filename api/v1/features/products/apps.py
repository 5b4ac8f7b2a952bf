from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "api.v1.features.products"
    label = "products"
    verbose_name = "Products"
