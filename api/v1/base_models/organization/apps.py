from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "api.v1.base_models.organization"
    label = "organization"
    verbose_name = "Organizations"
