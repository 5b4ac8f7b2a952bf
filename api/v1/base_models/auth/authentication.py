"""API key authentication: `X-API-Key: <prefix>.<secret>` authenticates as the key's user."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from .models import UserAPIKey

API_KEY_HEADER = "X-API-Key"


def authenticate_api_key(key: str):
    """Return (user, api_key) for a usable key, or raise AuthenticationFailed saying why not."""
    prefix, _dot, _secret = key.partition(".")
    try:
        api_key = UserAPIKey.objects.select_related("user").get(prefix=prefix)
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
    if not api_key.user.is_active:
        raise exceptions.AuthenticationFailed(
            _("The user of this API key is inactive."), code="user_inactive"
        )
    return api_key.user, api_key


class APIKeyAuthentication(BaseAuthentication):
    """Authenticates requests carrying an X-API-Key header; `request.auth` is the UserAPIKey."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_API_KEY")
        if not key:
            return None
        return authenticate_api_key(key)

    def authenticate_header(self, request):
        # Makes failures 401 (with this challenge) rather than 403.
        return API_KEY_HEADER
