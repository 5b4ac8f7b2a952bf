from core.apps import PlatformAppConfig


class NotificationsConfig(PlatformAppConfig):
    name = "notifications"
    verbose_name = "Notifications"
