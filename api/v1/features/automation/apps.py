from core.apps import PlatformAppConfig


class AutomationConfig(PlatformAppConfig):
    name = "api.v1.features.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self):
        super().ready()
        from core import events

        from .triggers import on_model_event, watched_labels

        events.subscribe(on_model_event, models=watched_labels())
