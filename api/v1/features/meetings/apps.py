from core.apps import PlatformAppConfig


class MeetingsConfig(PlatformAppConfig):
    name = "api.v1.features.meetings"
    label = "meetings"
    verbose_name = "Video Meetings"

    def ready(self):
        super().ready()
        from . import checks  # noqa: F401  (registers the system checks)
