from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import UserProfile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="users.create_profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    """Every user has a profile from the moment it exists (not when loading fixtures)."""
    if created and not raw:
        UserProfile.objects.get_or_create(user=instance)
