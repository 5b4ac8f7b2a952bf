from django.apps import apps as global_apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .access import forget_permission_names, load_permission_names


@receiver(post_save, sender=Permission, dispatch_uid="rbac.forget_permission_names_saved")
@receiver(post_delete, sender=Permission, dispatch_uid="rbac.forget_permission_names_deleted")
@receiver(post_save, sender=ContentType, dispatch_uid="rbac.forget_content_type_saved")
@receiver(post_delete, sender=ContentType, dispatch_uid="rbac.forget_content_type_deleted")
def forget_permission_names_on_change(**kwargs):
    """Permissions' names are read again after a change to them (rbac.access)."""
    forget_permission_names()


def _fully_migrated(sender, apps) -> bool:
    """True at the post_migrate of the last app with models (apps without any get
    none), once every app has its permissions, on a fully migrated database (a
    migration back leaves apps unapplied)."""
    with_models = [config for config in global_apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return False
    for app_config in with_models:
        for model in app_config.get_models():
            try:
                apps.get_model(model._meta.app_label, model._meta.model_name)
            except LookupError:
                return False
    return True


@receiver(post_migrate, dispatch_uid="rbac.after_migrate")
def after_migrate(sender, apps=global_apps, **kwargs):
    """A migration or a flush may have written permissions in bulk (no signals): their
    names are read again, at once on a fully migrated database (so that the next
    request does not pay for it), and the default roles are created there."""
    forget_permission_names()
    if not _fully_migrated(sender, apps):
        return
    load_permission_names()
    from .roles import create_default_roles

    create_default_roles()
