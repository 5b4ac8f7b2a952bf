"""Authentication flows: token issuing, the two-factor login challenge, TOTP devices,
password changes. Views validate input and call these; they hold no flow logic."""

import base64
import io
import secrets
from dataclasses import dataclass

import qrcode
import qrcode.image.pil
from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.tokens import RefreshToken

User = get_user_model()

CHALLENGE_SALT = "authentication.two-factor-challenge"
TWO_FACTOR_METHODS = ["totp"]


# ----------------------------------------------------------------------------- tokens
def tokens_for(user) -> dict:
    """A fresh JWT pair for the user."""
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def login(user, request) -> dict:
    """Complete the login of a fully authenticated user: `user_logged_in`, then tokens."""
    user_logged_in.send(sender=user.__class__, request=django_request(request), user=user)
    return tokens_for(user)


def logout(refresh: RefreshToken, request) -> None:
    """Blacklist the refresh token; sends `user_logged_out` for its user."""
    refresh.blacklist()
    user = User.objects.filter(pk=refresh.payload.get("user_id")).first()
    user_logged_out.send(
        sender=User if user is None else user.__class__,
        request=django_request(request),
        user=user,
    )


def django_request(request):
    # Signal receivers (Django's and third parties') expect an HttpRequest.
    return getattr(request, "_request", request)


# ------------------------------------------------------------ two-factor login challenge
@dataclass(frozen=True)
class Challenge:
    user: User
    nonce: str


def requires_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def challenge_lifetime_seconds() -> int:
    return int(settings.TWO_FACTOR_CHALLENGE_MAX_AGE.total_seconds())


def create_challenge(user) -> str:
    """A signed, short-lived token that stands for "password verified" for this user."""
    return signing.dumps({"uid": user.pk, "nonce": secrets.token_urlsafe(16)}, salt=CHALLENGE_SALT)


def read_challenge(token: str) -> Challenge | None:
    """The challenge's user if the token is authentic, unexpired, unused and the user active."""
    try:
        payload = signing.loads(
            token,
            salt=CHALLENGE_SALT,
            max_age=settings.TWO_FACTOR_CHALLENGE_MAX_AGE,
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or cache.get(_used_key(payload.get("nonce"))):
        return None
    user = User.objects.filter(pk=payload.get("uid"), is_active=True).first()
    if user is None:
        return None
    return Challenge(user=user, nonce=payload["nonce"])


def consume_challenge(challenge: Challenge) -> bool:
    """Mark the challenge used; False if it already was (a concurrent replay)."""
    return cache.add(_used_key(challenge.nonce), True, challenge_lifetime_seconds())


def _used_key(nonce) -> str:
    return f"two-factor-challenge-used:{nonce}"


# ----------------------------------------------------------------------- TOTP devices
def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


def has_totp_device(user) -> bool:
    """Any TOTP device, confirmed or awaiting confirmation."""
    return TOTPDevice.objects.filter(user=user).exists()


def verify_totp(device: TOTPDevice, code: str) -> bool:
    """Check a code; a code is accepted once only (django-otp keeps the last time step)."""
    return device.verify_token(code)


@transaction.atomic
def start_totp_setup(user) -> TOTPDevice:
    """A new unconfirmed TOTP device, replacing any earlier unfinished setup."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def confirm_totp_device(device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def disable_totp(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret, for authenticator apps that take it typed in."""
    return base64.b32encode(device.bin_key).decode()


def qr_code_data_uri(text: str) -> str:
    """A PNG QR code of `text` as a data: URI, ready for an <img src>."""
    image = qrcode.make(text, image_factory=qrcode.image.pil.PilImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# -------------------------------------------------------------------------- passwords
def change_password(user, new_password: str) -> None:
    """Set the new password. Tokens issued before carry the old password's fingerprint
    (SIMPLE_JWT CHECK_REVOKE_TOKEN) and stop working."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
