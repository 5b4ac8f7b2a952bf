import hashlib
import mimetypes

from django.contrib.auth import get_user_model
from django.db import transaction

from api.v1.base_models.files.services import serve
from rbac.access import member_organization_ids

from .models import UserProfile


def colleagues(user):
    """The active users who share an active membership of an organization with `user`
    (every active user for a superuser; nobody for a user of no organization)."""
    users = get_user_model().objects.filter(is_active=True)
    organizations = member_organization_ids(user)
    if organizations is None:  # a superuser
        return users
    return users.filter(
        organization_memberships__organization__in=organizations,
        organization_memberships__is_active=True,
    ).distinct()


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


def picture_response(request, profile: UserProfile):
    """The profile's picture (it has one) to a caller allowed to see it, through the
    file layer: streamed, or a presigned URL on object storage."""
    picture = profile.profile_picture
    content_type = mimetypes.guess_type(picture.name)[0] or "application/octet-stream"
    extension = mimetypes.guess_extension(content_type) or ""
    return serve(
        request,
        picture,
        filename=f"{profile.user.get_username()}{extension}",
        content_type=content_type,
        etag=f'"{hashlib.sha256(picture.name.encode()).hexdigest()[:32]}"',
    )
