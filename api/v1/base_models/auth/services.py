"""Authentication flows: token issuing, the two-factor login challenge, TOTP devices and
recovery codes, password changes and resets. Views validate input and call these; they
hold no flow logic."""

import base64
import io
import secrets
from dataclasses import dataclass

import qrcode
import qrcode.image.pil
from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.tokens import RefreshToken

from audit.choices import AuditAction
from audit.services import log_audit_event

from . import notices, recovery_codes, sessions
from .models import AuthSession

User = get_user_model()

CHALLENGE_SALT = "authentication.two-factor-challenge"


# ----------------------------------------------------------------------------- tokens
def tokens_for(user, request=None) -> dict:
    """A fresh JWT pair for the user, in a new login session."""
    refresh = sessions.start(user, request)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def login(user, request) -> dict:
    """Complete the login of a fully authenticated user: `user_logged_in`, then tokens."""
    user_logged_in.send(sender=user.__class__, request=django_request(request), user=user)
    return tokens_for(user, request)


@transaction.atomic
def logout(refresh: RefreshToken, request) -> None:
    """Blacklist the refresh token and end its session; sends `user_logged_out`."""
    refresh.blacklist()
    session = sessions.session_of(refresh)
    if session is not None:
        sessions.revoke(AuthSession.objects.filter(pk=session.pk))
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


def second_factor_methods(user) -> list[str]:
    """What the second login step accepts for this user."""
    methods = ["totp"] if confirmed_totp_device(user) is not None else []
    if recovery_codes.remaining(user):
        methods.append("recovery_code")
    return methods


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
    """Check a code; a code is accepted once only (django-otp keeps the last time step).
    The device's row is locked while it is checked: the same code sent through two
    processes at once is accepted by one of them only."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        accepted = locked.verify_token(code)
    device.refresh_from_db()
    return accepted


@transaction.atomic
def start_totp_setup(user) -> TOTPDevice:
    """A new unconfirmed TOTP device, replacing any earlier unfinished setup."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp_device(device: TOTPDevice, request=None) -> list[str]:
    """Enable TOTP; returns the user's new recovery codes (to show once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes.regenerate(device.user)
    notices.record(AuditAction.TWO_FACTOR_ENABLE, device.user, request=request)
    return codes


@transaction.atomic
def disable_totp(user, request=None) -> None:
    """Remove the second factor: the TOTP device and the recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    recovery_codes.discard(user)
    notices.record(AuditAction.TWO_FACTOR_DISABLE, user, request=request)


@transaction.atomic
def regenerate_recovery_codes(user, request=None) -> list[str]:
    codes = recovery_codes.regenerate(user)
    notices.record(
        AuditAction.RECOVERY_CODES_REGENERATE,
        user,
        request=request,
        context={"remaining_codes": len(codes)},
    )
    return codes


@transaction.atomic
def use_recovery_code(user, code: str, request=None) -> bool:
    """Spend one of the user's recovery codes at login (audited, and told by email)."""
    left = recovery_codes.use(user, code)
    if left is None:
        return False
    notices.record(
        AuditAction.RECOVERY_CODE_USED, user, request=request, context={"remaining_codes": left}
    )
    return True


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
def _set_password(user, new_password: str) -> int:
    """Set the password and log the user out everywhere: every session revoked (tokens
    issued before also carry the old password's fingerprint, SIMPLE_JWT
    CHECK_REVOKE_TOKEN, and Django's sessions the old password's hash). Returns how many
    sessions were signed out."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return sessions.revoke_all(user)


@transaction.atomic
def change_password(user, new_password: str, request=None) -> None:
    signed_out = _set_password(user, new_password)
    notices.record(
        AuditAction.PASSWORD_CHANGE, user, request=request, context={"sessions": signed_out}
    )


def request_password_reset(email: str, request=None) -> None:
    """Email a reset link to each active account with this address (after the
    transaction commits, by Celery). Nothing tells the caller whether there was one."""
    from .tasks import send_password_reset_email

    users = [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True)
        if user.has_usable_password()
    ]
    for user in users:
        log_audit_event(
            AuditAction.PASSWORD_RESET_REQUEST, user=user, content_object=user, request=request
        )
        user_id = user.pk
        transaction.on_commit(lambda user_id=user_id: send_password_reset_email.delay(user_id))
    if not users:
        log_audit_event(
            AuditAction.PASSWORD_RESET_REQUEST,
            request=request,
            context={"email": email, "account": None},
            object_repr_override=email[:255],
        )


def password_reset_user(uid: str, token: str):
    """The active user an emailed (uid, token) pair is for, while the token is valid:
    unused (it stops working once the password changes), unexpired
    (PASSWORD_RESET_TIMEOUT). None otherwise."""
    try:
        pk = User._meta.pk.to_python(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, DjangoValidationError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def reset_password(user, new_password: str, request=None) -> None:
    signed_out = _set_password(user, new_password)
    notices.record(
        AuditAction.PASSWORD_RESET, user, request=request, context={"sessions": signed_out}
    )
