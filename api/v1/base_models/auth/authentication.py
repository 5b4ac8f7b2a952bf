"""Authentication of API requests: JWT (`Authorization: Bearer <access token>`) and
API keys.

JWT is django-rest-framework-simplejwt's, with the token's user read by SQL written once
per process (core.db.reads) instead of a query built for every request; the checks
that follow are simplejwt's own (active user, token revoked by a password change).

API key authentication: `X-API-Key: <prefix>.<secret>` authenticates as the key's user.

A key acts as its user and never grants more than the user has. A read-only key
(`UserAPIKey.read_only`) is refused on every request that is not a read (403
`api_key_read_only`), before any view runs. A key's `last_used_at` says when it last
authenticated a request, to the minute: it is written at most once a minute per key.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework_simplejwt import authentication as simplejwt
from rest_framework_simplejwt.exceptions import AuthenticationFailed as JWTAuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from rbac.access import load_user

from .models import UserAPIKey

API_KEY_HEADER = "X-API-Key"
# How stale `last_used_at` may get: a busy key writes it once a minute, not per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def mark_used(api_key: UserAPIKey) -> None:
    """Record that the key authenticated a request now, unless that was already recorded
    less than a minute ago (one conditional UPDATE, none at all when the row read says it
    is recent)."""
    now = timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is not None and api_key.last_used_at >= threshold:
        return
    # The condition repeated in SQL: of concurrent first uses, one writes.
    UserAPIKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=threshold)
    ).update(last_used_at=now)
    api_key.last_used_at = now


def authenticate_api_key(key: str, method: str | None = None):
    """Return (user, api_key) for a usable key, or raise AuthenticationFailed saying why not.

    With the request's `method`, a read-only key on a write raises PermissionDenied
    (`api_key_read_only`). A key that gets through counts as used (`last_used_at`)."""
    prefix, _dot, _secret = key.partition(".")
    try:
        api_key = UserAPIKey.objects.get(prefix=prefix)
    except UserAPIKey.DoesNotExist:
        api_key = None
    if api_key is None or not api_key.is_valid(key):
        raise exceptions.AuthenticationFailed(_("Invalid API key."), code="invalid_api_key")
    if api_key.revoked:
        raise exceptions.AuthenticationFailed(
            _("This API key has been revoked."), code="api_key_revoked"
        )
    if api_key.has_expired:
        raise exceptions.AuthenticationFailed(
            _("This API key has expired."), code="api_key_expired"
        )
    # The key's user with their access, in one query (rbac.access.load_user).
    api_key.user = load_user(UserAPIKey._meta.get_field("user").related_model, api_key.user_id)
    if not api_key.user.is_active:
        raise exceptions.AuthenticationFailed(
            _("The user of this API key is inactive."), code="user_inactive"
        )
    if method is not None and api_key.read_only and method.upper() not in SAFE_METHODS:
        raise exceptions.PermissionDenied(
            _("This API key is read-only: it may only be used for GET, HEAD and OPTIONS."),
            code="api_key_read_only",
        )
    mark_used(api_key)
    return api_key.user, api_key


class JWTAuthentication(simplejwt.JWTAuthentication):
    """simplejwt's JWT authentication; the token's user is read by its primary key with
    their memberships and global permissions (rbac.access.load_user), in one query
    written once per process."""

    def get_user(self, validated_token):
        if self.user_model._meta.pk.name != jwt_settings.USER_ID_FIELD:
            return super().get_user(validated_token)
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken(_("Token contained no recognizable user identification")) from error
        user = load_user(self.user_model, user_id)
        # From here on, simplejwt's own checks and messages.
        if user is None:
            raise JWTAuthenticationFailed(_("User not found"), code="user_not_found")
        if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise JWTAuthenticationFailed(_("User is inactive"), code="user_inactive")
        if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise JWTAuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        return user


class APIKeyAuthentication(BaseAuthentication):
    """Authenticates requests carrying an X-API-Key header; `request.auth` is the UserAPIKey.

    A read-only key on POST, PUT, PATCH or DELETE is a 403 (`api_key_read_only`) on every
    view: authentication runs before the view's handler, so nothing is written."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_API_KEY")
        if not key:
            return None
        return authenticate_api_key(key, method=request.method)

    def authenticate_header(self, request):
        # Makes failures 401 (with this challenge) rather than 403.
        return API_KEY_HEADER
