"""Access tokens whose signature is checked once per process.

A client sends the same access token with every request until it expires (15 minutes
by default). Checking its signature and decoding it (PyJWT) took longer than reading
the token's user: `AccessToken` is simplejwt's, decoded by a backend that remembers the
tokens it verified (their exact text, the most recent VERIFIED_TOKENS of them). What
depends on time or on the database is still checked on every request: the expiry (by
the backend, as PyJWT checks it, then by simplejwt's own check), and, in
authentication, the user (active, password unchanged). A token that fails is not
remembered.
"""

import time
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendExpiredToken
from rest_framework_simplejwt.settings import api_settings

VERIFIED_TOKENS = 4096


class RememberingTokenBackend(TokenBackend):
    """simplejwt's backend; a verified decode of a token decoded before returns a copy
    of its payload without checking the signature again (see the module)."""

    def __init__(self, *args, size: int = VERIFIED_TOKENS, **kwargs):
        super().__init__(*args, **kwargs)
        self._verified = lru_cache(maxsize=size)(self._decode_verified)

    def _decode_verified(self, token) -> dict:
        return super().decode(token, verify=True)

    def decode(self, token, verify: bool = True) -> dict:
        if not verify:
            return super().decode(token, verify=False)
        payload = self._verified(token)
        # PyJWT's check of the expiry, which a remembered token skipped.
        expiry = payload.get("exp")
        if expiry is not None and expiry <= time.time() - self.get_leeway().total_seconds():
            raise TokenBackendExpiredToken(_("Token is expired"))
        return dict(payload)

    def forget(self) -> None:
        """Forget every verified token (the signing key changed, tests)."""
        self._verified.cache_clear()


backend = RememberingTokenBackend(
    api_settings.ALGORITHM,
    api_settings.SIGNING_KEY,
    api_settings.VERIFYING_KEY,
    api_settings.AUDIENCE,
    api_settings.ISSUER,
    api_settings.JWK_URL,
    api_settings.LEEWAY,
    api_settings.JSON_ENCODER,
)


class AccessToken(tokens.AccessToken):
    """simplejwt's access token, decoded by the remembering backend (the settings'
    AUTH_TOKEN_CLASSES)."""

    def get_token_backend(self) -> TokenBackend:
        return backend
