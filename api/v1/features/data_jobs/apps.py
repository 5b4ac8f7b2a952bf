from core.apps import PlatformAppConfig


class DataJobsConfig(PlatformAppConfig):
    name = "api.v1.features.data_jobs"
    label = "data_jobs"
    verbose_name = "Import and Export Jobs"
