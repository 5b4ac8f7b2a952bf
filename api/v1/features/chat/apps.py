from core.apps import PlatformAppConfig


class ChatConfig(PlatformAppConfig):
    name = "api.v1.features.chat"
    label = "chat"
    verbose_name = "Chat"
