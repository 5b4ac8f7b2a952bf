from core.apps import PlatformAppConfig


class CollaborationConfig(PlatformAppConfig):
    name = "api.v1.features.collaboration"
    label = "collaboration"
    verbose_name = "Comments"

    def ready(self):
        super().ready()
        from core import events, registry

        from . import admin, notify, services

        events.subscribe(
            notify.on_comment_event,
            models=["collaboration.comment"],
            actions=[events.CREATE, events.UPDATE],
        )
        # Every app is registered by now (this one comes after the business apps).
        records = [
            model._meta.label_lower
            for model in registry.registered_models()
            if registry.is_business_record(model)
        ]
        events.subscribe(services.remove_comments_of, models=records, actions=[events.DELETE])
        admin.add_comment_inlines()
