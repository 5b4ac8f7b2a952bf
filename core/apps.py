from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            tagging,  # noqa: F401  (connects the tag slug receiver)
        )
        from .inputs import install_strict_text_fields

        install_strict_text_fields()


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with a site that asks for the second factor when a user has one."""

    default_site = "core.admin_site.AdminSite"
