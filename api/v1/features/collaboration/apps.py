from core.apps import PlatformAppConfig


class CollaborationConfig(PlatformAppConfig):
    name = "api.v1.features.collaboration"
    label = "collaboration"
    verbose_name = "Comments"

    def ready(self):
        super().ready()
        from core import events

        from . import admin, notify

        events.subscribe(notify.on_comment_event, models=["collaboration.comment"])
        admin.add_comment_inlines()
