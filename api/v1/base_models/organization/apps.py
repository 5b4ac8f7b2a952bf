from core.apps import PlatformAppConfig


class OrganizationConfig(PlatformAppConfig):
    name = "api.v1.base_models.organization"
    label = "organization"
    verbose_name = "Organizations"
