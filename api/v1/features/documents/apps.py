from core.apps import PlatformAppConfig


class DocumentsConfig(PlatformAppConfig):
    name = "api.v1.features.documents"
    label = "documents"
    verbose_name = "Documents"
