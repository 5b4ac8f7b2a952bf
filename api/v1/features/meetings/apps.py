from core.apps import PlatformAppConfig


class MeetingsConfig(PlatformAppConfig):
    name = "api.v1.features.meetings"
    label = "meetings"
    verbose_name = "Video Meetings"
