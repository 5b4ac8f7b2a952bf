from django.db import transaction

from .models import UserProfile


def get_profile(user) -> UserProfile:
    """The user's profile, created if missing (users loaded from fixtures have none)."""
    profile, _ = UserProfile.objects.select_related("user", "manager").get_or_create(user=user)
    return profile


@transaction.atomic
def update_profile(profile: UserProfile, changes: dict) -> UserProfile:
    """Apply validated changes; a replaced or removed picture is deleted after commit."""
    old_picture_name = profile.profile_picture.name if "profile_picture" in changes else None
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.save()
    if old_picture_name and old_picture_name != (profile.profile_picture.name or None):
        storage = profile.profile_picture.storage
        transaction.on_commit(lambda: storage.delete(old_picture_name))
    return profile
