from core.apps import PlatformAppConfig


class FilesConfig(PlatformAppConfig):
    name = "api.v1.base_models.files"
    label = "files"
    verbose_name = "Files"

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401
