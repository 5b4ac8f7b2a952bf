"""URLs of the endpoints under test, and small helpers."""

from django.urls import reverse
from rest_framework.test import APIClient

LOGIN_URL = reverse("api-v1:token-obtain")
LOGIN_2FA_URL = reverse("api-v1:token-obtain-2fa")
REFRESH_URL = reverse("api-v1:token-refresh")
LOGOUT_URL = reverse("api-v1:logout")
TOTP_STATUS_URL = reverse("api-v1:totp-status")
TOTP_SETUP_URL = reverse("api-v1:totp-setup")
TOTP_VERIFY_URL = reverse("api-v1:totp-verify")
TOTP_DISABLE_URL = reverse("api-v1:totp-disable")
PASSWORD_CHANGE_URL = reverse("api-v1:password-change")
PASSWORD_RESET_URL = reverse("api-v1:password-reset")
PASSWORD_RESET_CONFIRM_URL = reverse("api-v1:password-reset-confirm")
RECOVERY_CODES_URL = reverse("api-v1:recovery-codes")
SESSIONS_URL = reverse("api-v1:auth-session-list")
REVOKE_ALL_SESSIONS_URL = reverse("api-v1:auth-session-revoke-all")
ME_URL = reverse("api-v1:my-profile")


def bearer(access: str):
    """An APIClient that sends this access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def wrong_code(device, totp_code) -> str:
    """A well-formed code that the device refuses now (none of the accepted time steps)."""
    accepted = {totp_code(device, steps) for steps in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222") if code not in accepted)


def session_url(session_id) -> str:
    return reverse("api-v1:auth-session-detail", args=[session_id])
