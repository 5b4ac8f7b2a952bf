from core.apps import PlatformAppConfig


class AutomationConfig(PlatformAppConfig):
    name = "api.v1.features.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self):
        super().ready()
        from django.db.models.signals import post_delete, post_save

        from core import events

        from .models import AutomationRule
        from .services import forget_watched_rules, watched_models
        from .triggers import on_model_event

        # However a rule is written (API, Admin, code), the cache of what rules watch goes.
        post_save.connect(forget_watched_rules, sender=AutomationRule)
        post_delete.connect(forget_watched_rules, sender=AutomationRule)

        # Only the models active rules watch (cached until a rule changes): a change of
        # any other builds no event for the automation.
        events.subscribe(on_model_event, models=watched_models)
