"""Recovery codes: single-use codes that stand in for the authenticator app at the
second login step, for the day the phone is lost.

They live in django-otp's static device, one StaticToken per code, but stored as a
keyed hash (HMAC-SHA256 with the SECRET_KEY, truncated to the 16 characters the field
holds): a copy of the database does not give them away. The codes themselves are shown
once, when they are made.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

DEVICE_NAME = "Recovery codes"
# No 0/o, 1/l/i: codes are read off paper and typed in.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 10  # about 49 bits
_SALT = "authentication.recovery-code"


def normalize(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _hashes(code: str) -> list[str]:
    """The stored form of a code, under the current key and each fallback key (so that
    rotating SECRET_KEY with SECRET_KEY_FALLBACKS keeps the codes working)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    code = normalize(code)
    return [
        salted_hmac(_SALT, code, secret=key, algorithm="sha256").hexdigest()[:16] for key in keys
    ]


def _new_code() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def regenerate(user) -> list[str]:
    """A new set of codes for the user; the previous set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes = [_new_code() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=_hashes(code)[0]) for code in codes]
    )
    return codes


def remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def use(user, code: str) -> int | None:
    """Spend a code: the number of codes left, or None when the code is not one of the
    user's (or was already used: each works once, concurrent uses included)."""
    if not normalize(code):
        return None
    match = StaticToken.objects.filter(
        device__user=user, device__confirmed=True, token__in=_hashes(code)
    ).first()
    # The delete decides: of two requests spending the same code, one deletes the row.
    if match is None or StaticToken.objects.filter(pk=match.pk).delete()[0] != 1:
        return None
    return remaining(user)


def discard(user) -> None:
    StaticDevice.objects.filter(user=user).delete()
