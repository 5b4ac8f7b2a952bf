import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class UserAPIKey(AbstractAPIKey):
    """An API key that authenticates requests as its user (X-API-Key header).

    Keys are for servers and integrations: give each its own (service) user, whose
    permissions bound what the key can do (a key never grants more than its user has).
    Users create and revoke their own keys at /api/v1/auth/api-keys/; staff manage
    every key in the Admin. Only a hash of the key is stored; the key itself is shown
    once, when it is created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("User"),
        help_text=_("Requests made with this key act as this user."),
    )
    read_only = models.BooleanField(
        _("Read-only"),
        default=False,
        help_text=_("The key may only read: GET, HEAD and OPTIONS requests."),
    )
    last_used_at = models.DateTimeField(
        _("Last used"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the key last authenticated a request (to the minute)."),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")


class AuthSession(models.Model):
    """One login of a user: the chain of refresh tokens issued by a login and rotated
    by each refresh (their `sid` claim is this session's id).

    Listed to its user at /api/v1/auth/sessions/ and revoked there: a revoked session's
    refresh token is blacklisted and refused; the access tokens it issued stay valid
    until they expire (minutes, JWT_ACCESS_TOKEN_MINUTES).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="auth_sessions",
        verbose_name=_("User"),
    )
    created_at = models.DateTimeField(_("Created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(
        _("Last used"), help_text=_("The login, or the latest token refresh.")
    )
    expires_at = models.DateTimeField(
        _("Expires"), help_text=_("When the current refresh token expires.")
    )
    ip_address = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, help_text=_("Of the latest use.")
    )
    user_agent = models.CharField(_("User agent"), max_length=255, blank=True)
    refresh_jti = models.CharField(
        _("Current refresh token id"), max_length=255, editable=False, db_index=True
    )
    revoked_at = models.DateTimeField(_("Revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Login session")
        verbose_name_plural = _("Login sessions")
        ordering = ["-last_used_at"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.user_agent or self.ip_address or self.pk})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
