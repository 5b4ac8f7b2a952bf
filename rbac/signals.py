from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate, dispatch_uid="rbac.create_default_roles")
def create_default_roles_after_migrate(sender, apps=global_apps, **kwargs):
    """Once every app has its permissions (after the post_migrate of the last app with
    models: apps without any get none), and only on a fully migrated database (a
    migration back leaves apps unapplied)."""
    with_models = [config for config in global_apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    for app_config in global_apps.get_app_configs():
        if app_config.models_module is None:
            continue
        for model in app_config.get_models():
            try:
                apps.get_model(model._meta.app_label, model._meta.model_name)
            except LookupError:
                return
    from .roles import create_default_roles

    create_default_roles()
