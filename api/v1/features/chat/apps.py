from core.apps import PlatformAppConfig


class ChatConfig(PlatformAppConfig):
    name = "api.v1.features.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self):
        super().ready()
        from django.db.models.signals import post_delete, post_save

        from api.v1.base_models.organization.models import OrganizationMembership

        from .services import recheck

        def membership_changed(sender, instance, **kwargs):
            # A deactivated or removed membership, or another role: its user's open
            # chat connections check again what they may see.
            recheck([instance.user_id])

        for signal in (post_save, post_delete):
            signal.connect(
                membership_changed,
                sender=OrganizationMembership,
                dispatch_uid=f"chat-recheck-{signal is post_save}",
                weak=False,
            )
