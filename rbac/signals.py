from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate, dispatch_uid="rbac.create_default_roles")
def create_default_roles_after_migrate(sender, using="default", **kwargs):
    """Once every app has its permissions (after the last app's post_migrate)."""
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from .roles import create_default_roles

    create_default_roles()
