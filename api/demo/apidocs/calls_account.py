"""The documentation's examples of the account endpoints: health, login and tokens,
login sessions, API keys, the profile, the second factor (TOTP, recovery codes) and
passwords, in the order a client follows them.

They run after the other groups' calls (calls.py's LOGIN first): what signs sessions
out or changes a password comes last. They leave the demo data as a next run needs it:
the "admin" and "demo" accounts log in with their passwords (admin/admin, demo/demo),
two-factor authentication off, the API keys made here revoked.

What the capture module (capture.py) cannot do is done here by body values that are
functions of the saved values (see `Call.body`), each said where it is used:

- values the calls make up themselves (new passwords, the reset link's token) are put
  into the saved values by the function that sends them, so that `Call.secrets` can
  name them: the documentation shows placeholders;
- the password reset confirmation reads the `uid` and `token` of the emailed link;
- the password validators refuse "demo", so no API call can set it back: the last
  call's body puts the demo user's password hash of before the change back into the
  database (the password is "demo" again, and the access tokens issued before the
  change, the Scenario's own, work again), then logs in with it.

A call is made with the "api-key" account: the Scenario needs the demo user's API key
(`Scenario(api_key=...)`).
"""

import base64
import re
import secrets
import time
from dataclasses import replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django_otp.oath import TOTP

from api.v1.base_models.auth.emails import password_reset_uid

from .capture import Call

DEMO_EMAIL = "demo@example.com"
# django-otp's TOTPDevice defaults (what /2fa/totp/setup/ creates): 30-second steps
# from the epoch, 6 digits.
TOTP_STEP, TOTP_T0, TOTP_DIGITS = 30, 0, 6
TOTP_MARGIN = 5  # seconds: a code is sent well within its time step


# ------------------------------------------------------------------- body values
def totp_code(name: str, steps: int = 0):
    """The code the authenticator app shows for the saved `totp_secret`, `steps` time
    steps ahead, kept as `saved[name]`. A code is accepted once (the server remembers
    the last time step it took) and one step ahead is accepted too: a second code
    within the same half minute is the next step's.

    Sent as the app shows it, "123 456" (the API ignores the space): a placeholder
    can then stand for it (`Call.secrets`) without touching six digits of something
    else (a timestamp's microseconds).

    A code is made at least TOTP_MARGIN seconds before its time step ends: one the
    server checked in the next step would be taken as one step late, and django-otp
    would then shift the device's clock by a step (OTP_TOTP_SYNC), refusing the next
    code as two steps ahead."""

    def code(saved) -> str:
        if name not in saved:
            left = TOTP_STEP - (time.time() - TOTP_T0) % TOTP_STEP
            if left < TOTP_MARGIN:
                time.sleep(left + 0.1)
        totp = TOTP(base64.b32decode(saved["totp_secret"]), TOTP_STEP, TOTP_T0, TOTP_DIGITS)
        totp.time = totp.time + steps * TOTP_STEP
        digits = f"{totp.token():0{TOTP_DIGITS}d}"
        return saved.setdefault(name, f"{digits[:3]} {digits[3:]}")

    return code


def new_password(name: str):
    """A new password, made up once and kept as `saved[name]` (a secret)."""

    def value(saved) -> str:
        return saved.setdefault(name, f"pw-{secrets.token_urlsafe(12)}")

    return value


def current_password_of(username: str, password: str):
    """`password`, the user's current one; its stored hash is kept (as
    `saved["<username>_password_hash"]`) for `restored_password`."""

    def value(saved) -> str:
        user = get_user_model().objects.get(username=username)
        saved.setdefault(f"{username}_password_hash", user.password)
        return password

    return value


def restored_password(username: str, password: str):
    """`password`, once the user's password hash kept by `current_password_of` is back
    in the database (a password like "demo" cannot be set through the API: the
    password validators refuse it)."""

    def value(saved) -> str:
        get_user_model().objects.filter(username=username).update(
            password=saved[f"{username}_password_hash"]
        )
        return password

    return value


def reset_link(part: str):
    """The `uid` or `token` of the password reset link last emailed to the demo user.

    Read from the email when it went to Django's locmem backend (mail.outbox, as in
    the tests and `make docs`); otherwise (another email backend) made as the email
    makes them. The token is kept as `saved["reset_token"]` (a secret)."""

    def value(saved) -> str:
        if "reset_token" not in saved:
            saved["reset_uid"], saved["reset_token"] = _emailed_link()
        return saved[f"reset_{part}"]

    return value


def _emailed_link() -> tuple[str, str]:
    for message in reversed(getattr(mail, "outbox", [])):
        uid = re.search(r"^uid: (\S+)$", message.body, re.M)
        token = re.search(r"^token: (\S+)$", message.body, re.M)
        if DEMO_EMAIL in message.to and uid and token:
            return uid[1], token[1]
    user = get_user_model().objects.get(email=DEMO_EMAIL)
    return password_reset_uid(user), default_token_generator.make_token(user)


def _recovery_codes(name: str) -> tuple[dict, dict]:
    """(save, secrets) of a response's `recovery_codes`: each code saved as `name_<i>`
    and shown as a placeholder."""
    names = [f"{name}_{index}" for index in range(settings.RECOVERY_CODE_COUNT)]
    save = {each: f"recovery_codes.{index}" for index, each in enumerate(names)}
    return save, {each: f"<recovery code {index + 1}>" for index, each in enumerate(names)}


VERIFY_SAVE, VERIFY_SECRETS = _recovery_codes("recovery_code")
REGENERATE_SAVE, REGENERATE_SECRETS = _recovery_codes("new_recovery_code")


# ------------------------------------------------------------------------- calls
HEALTH = [
    Call("Check that the process answers (liveness)", "GET", "/api/v1/health/live/", account=None),
    Call(
        "Check that the service can serve: its database, cache, storage and search (readiness)",
        "GET",
        "/api/v1/health/ready/",
        account=None,
    ),
    Call("Check readiness at the first health URL", "GET", "/api/v1/health/", account=None),
]

TOKENS = [
    Call(
        "Log in on a second device",
        "POST",
        "/api/v1/auth/token/",
        account=None,
        body={"username": "demo", "password": "demo"},
        save={"refresh": "refresh"},
    ),
    Call(
        "Refresh the token pair",
        "POST",
        "/api/v1/auth/token/refresh/",
        account=None,
        body={"refresh": "{refresh}"},
        save={"refresh": "refresh"},
    ),
    Call(
        "Log out (revoke the refresh token)",
        "POST",
        "/api/v1/auth/logout/",
        account=None,
        body={"refresh": "{refresh}"},
    ),
]

SESSIONS = [
    Call(
        "Log in on another device",
        "POST",
        "/api/v1/auth/token/",
        account=None,
        body={"username": "demo", "password": "demo"},
    ),
    Call(
        "List my sessions, newest first",
        "GET",
        "/api/v1/auth/sessions/",
        query={"ordering": "-created_at"},
        save={"session": "results.0.id"},
    ),
    Call("Read the other device's session", "GET", "/api/v1/auth/sessions/{session}/"),
    Call(
        "Sign the other device out",
        "DELETE",
        "/api/v1/auth/sessions/{session}/",
        status=204,
    ),
    Call(
        "Sign out every other session",
        "POST",
        "/api/v1/auth/sessions/revoke-all/",
        body={"keep_current": True},
    ),
]

PROFILE = [
    Call("Read my profile", "GET", "/api/v1/profiles/me/", save={"me": "user.id"}),
    Call(
        "Replace my profile",
        "PUT",
        "/api/v1/profiles/me/",
        body={
            "job_title": "Senior Sales Representative",
            "employee_id": "DEMO-0002",
            "phone_number": "+14155552671",
            "language": "en",
            "timezone": "Europe/Paris",
            "date_format": "YYYY-MM-DD",
            "time_format": "24h",
            "notification_preferences": {"email": True},
            "custom_fields": {},
        },
    ),
    Call(
        "Change my time zone",
        "PATCH",
        "/api/v1/profiles/me/",
        body={"timezone": "America/New_York"},
    ),
    Call("Read my profile with an API key", "GET", "/api/v1/profiles/me/", account="api-key"),
    Call(
        "Upload my profile picture",
        "PATCH",
        "/api/v1/profiles/me/",
        body={},
        files={"profile_picture": "files/avatar.png"},
    ),
    Call("Download my profile picture", "GET", "/api/v1/profiles/{me}/picture/"),
    Call(
        "Set my profile back as it was",
        "PATCH",
        "/api/v1/profiles/me/",
        body={
            "job_title": "Sales Representative",
            "timezone": "Europe/Paris",
            "notification_preferences": {},
            "profile_picture": None,
        },
    ),
]

API_KEYS = [
    Call(
        "Create a read-only API key for a reporting tool",
        "POST",
        "/api/v1/auth/api-keys/",
        # A fixed date (not computed: the Postman collection leaves computed bodies out).
        body={"name": "Reporting", "read_only": True, "expiry_date": "2099-12-31T23:59:59Z"},
        status=201,
        save={"reporting_key": "key", "reporting_prefix": "prefix"},
        # The prefix is no secret, but made at random: a placeholder keeps it stable.
        secrets={"reporting_key": "<new API key>", "reporting_prefix": "<prefix>"},
    ),
    # Filtered: the other keys' prefixes are random, and the documentation is stable.
    Call(
        "List my read-only API keys", "GET", "/api/v1/auth/api-keys/", query={"read_only": "true"}
    ),
    Call("Read the API key", "GET", "/api/v1/auth/api-keys/{reporting_prefix}/"),
    Call(
        "Revoke the API key, answering it",
        "POST",
        "/api/v1/auth/api-keys/{reporting_prefix}/revoke/",
    ),
    Call(
        "Create an API key for an integration",
        "POST",
        "/api/v1/auth/api-keys/",
        body={"name": "Shop integration"},
        status=201,
        save={"shop_key": "key", "shop_prefix": "prefix"},
        secrets={"shop_key": "<new API key>", "shop_prefix": "<other prefix>"},
    ),
    Call("Revoke that API key", "DELETE", "/api/v1/auth/api-keys/{shop_prefix}/", status=204),
]

# On the superuser, whose access token the Scenario holds from before the second
# factor is on (a password login then answers a challenge, not tokens).
TWO_FACTOR = [
    Call("Is two-factor authentication on?", "GET", "/api/v1/auth/2fa/totp/", account="admin"),
    Call(
        "Start setting up an authenticator app",
        "POST",
        "/api/v1/auth/2fa/totp/setup/",
        account="admin",
        save={"totp_secret": "secret", "totp_qr_code": "qr_code"},
        # The secret first: the provisioning URI shows with the secret's placeholder.
        secrets={"totp_secret": "<TOTP secret>", "totp_qr_code": "<QR code>"},
    ),
    Call(
        "Confirm it with a code of the app",
        "POST",
        "/api/v1/auth/2fa/totp/verify/",
        account="admin",
        body={"code": totp_code("setup_code")},
        save=VERIFY_SAVE,
        secrets={"setup_code": "<TOTP code>", **VERIFY_SECRETS},
    ),
    Call(
        "Count the recovery codes left",
        "GET",
        "/api/v1/auth/2fa/recovery-codes/",
        account="admin",
    ),
    Call(
        "Make a new set of recovery codes",
        "POST",
        "/api/v1/auth/2fa/recovery-codes/",
        account="admin",
        body={"password": "admin"},
        save=REGENERATE_SAVE,
        secrets=REGENERATE_SECRETS,
    ),
    Call(
        "Log in: the password first",
        "POST",
        "/api/v1/auth/token/",
        account=None,
        body={"username": "admin", "password": "admin"},
        save={"challenge": "challenge"},
        secrets={"challenge": "<challenge>"},
    ),
    Call(
        "Then a code of the app",
        "POST",
        "/api/v1/auth/token/2fa/",
        account=None,
        # The setup's code was for this time step: the app's next one.
        body={"challenge": "{challenge}", "code": totp_code("login_code", steps=1)},
        secrets={"login_code": "<TOTP code>"},
    ),
    Call(
        "Turn two-factor authentication off",
        "POST",
        "/api/v1/auth/2fa/totp/disable/",
        account="admin",
        body={"password": "admin"},
    ),
]

# Last: a password change signs every session of the demo user out.
PASSWORDS = [
    Call(
        "Change my password",
        "POST",
        "/api/v1/auth/password/change/",
        body={
            "old_password": current_password_of("demo", "demo"),
            "new_password": new_password("changed_password"),
            "new_password_confirm": new_password("changed_password"),
        },
        secrets={"changed_password": "<new password>"},
    ),
    Call(
        "Forgot it? Ask for a reset link",
        "POST",
        "/api/v1/auth/password/reset/",
        account=None,
        body={"email": DEMO_EMAIL},
        status=202,
    ),
    Call(
        "Set a new password with the emailed link",
        "POST",
        "/api/v1/auth/password/reset/confirm/",
        account=None,
        body={
            "uid": reset_link("uid"),
            "token": reset_link("token"),
            "new_password": new_password("reset_password"),
        },
        secrets={"reset_token": "<reset token>", "reset_password": "<new password>"},
    ),
    Call(
        "Log in with the new password",
        "POST",
        "/api/v1/auth/token/",
        account=None,
        body={"username": "demo", "password": new_password("reset_password")},
    ),
    Call(
        "Log in with the demo password, set back for the next runs",
        "POST",
        "/api/v1/auth/token/",
        account=None,
        body={"username": "demo", "password": restored_password("demo", "demo")},
    ),
]

# Postman cannot compute a TOTP code: the second factor's calls after the first are left
# out of the collection (each depends on the device being confirmed).
TWO_FACTOR = [TWO_FACTOR[0], *(replace(call, in_postman=False) for call in TWO_FACTOR[1:])]

CALLS = [*HEALTH, *TOKENS, *SESSIONS, *PROFILE, *API_KEYS, *TWO_FACTOR, *PASSWORDS]
