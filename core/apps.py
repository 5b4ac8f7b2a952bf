from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class PlatformAppConfig(AppConfig):
    """An app of the platform: when it is ready its models join the feature registry
    (core.registry), which every cross-cutting feature reads. Apps that override
    ready() call super().ready()."""

    def ready(self):
        from .registry import register_models

        register_models(*self.get_models())


class CoreConfig(PlatformAppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        super().ready()
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            tagging,  # noqa: F401  (connects the tag slug receiver)
        )
        from .allocator import tune_allocator
        from .db import lookups  # noqa: F401  (registers field__any)
        from .health import register_core_checks
        from .inputs import install_strict_text_fields

        tune_allocator()
        install_strict_text_fields()
        register_core_checks()


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with a site that asks for the second factor when a user has one."""

    default_site = "core.admin_site.AdminSite"
