"""The emails of account security: password reset links and security notices."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from audit.choices import AuditAction

User = get_user_model()

# Labels of the details a notice may carry (notices.record's `context`).
DETAIL_LABELS = {
    "api_key": _("API key"),
    "remaining_codes": _("Recovery codes left"),
    "sessions": _("Sessions signed out"),
}


def _email(template: str, context: dict, to: str) -> EmailMessage:
    subject = render_to_string(f"authentication/email/{template}_subject.txt", context)
    body = render_to_string(f"authentication/email/{template}_body.txt", context)
    # A subject is one line, whatever the names in it hold.
    return EmailMessage(" ".join(subject.split()), body, to=[to])


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def send_security_notice(user_id: int, action: str, details: dict) -> bool:
    from .notices import NOTICES

    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email or action not in NOTICES:
        return False
    context = {
        "name": _name(user),
        "event": AuditAction(action).label,
        "message": NOTICES[action],
        "when": parse_datetime(details.get("when") or "") or timezone.now(),
        "ip_address": details.get("ip_address"),
        "user_agent": details.get("user_agent"),
        "extra": [(label, details[key]) for key, label in DETAIL_LABELS.items() if key in details],
    }
    _email("security_notice", context, user.email).send()
    return True


def password_reset_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def send_password_reset(user_id: int) -> bool:
    """The token is made when the email is sent: Django's token generator ties it to the
    password hash and last login (it stops working once either changes) and to
    PASSWORD_RESET_TIMEOUT."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return False
    uid, token = password_reset_uid(user), default_token_generator.make_token(user)
    reset_url = settings.PASSWORD_RESET_URL
    context = {
        "name": _name(user),
        "username": user.get_username(),
        "uid": uid,
        "token": token,
        "reset_url": reset_url.replace("{uid}", uid).replace("{token}", token) if reset_url else "",
        "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
    }
    _email("password_reset", context, user.email).send()
    return True
