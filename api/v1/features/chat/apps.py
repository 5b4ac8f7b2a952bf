from core.apps import PlatformAppConfig


class ChatConfig(PlatformAppConfig):
    name = "api.v1.features.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self):
        super().ready()
        from django.conf import settings
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save

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

        def role_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
            # A role that gains or loses the chat: the connections of its members check
            # again whether they may still chat.
            if action not in ("post_add", "post_remove", "post_clear"):
                return
            if reverse:  # permission.group_set: the roles are pk_set
                if instance.codename != "view_chatroom":
                    return
                memberships = OrganizationMembership.objects.all()
                if pk_set is not None:
                    memberships = memberships.filter(role_id__in=pk_set)
            else:
                chat = Permission.objects.filter(
                    pk__in=pk_set or (), content_type__app_label="chat", codename="view_chatroom"
                )
                if pk_set is not None and not chat.exists():
                    return
                memberships = OrganizationMembership.objects.filter(role=instance)
            recheck(memberships.values_list("user_id", flat=True).distinct())

        def user_saved(sender, instance, **kwargs):
            if not instance.is_active:  # a deactivated user's sockets close at once
                recheck([instance.pk])

        post_save.connect(
            user_saved,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="chat-recheck-user",
            weak=False,
        )
        m2m_changed.connect(
            role_permissions_changed,
            sender=Group.permissions.through,
            dispatch_uid="chat-recheck-role",
            weak=False,
        )
