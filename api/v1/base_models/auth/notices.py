"""Security events of an account: each is written to the audit log with the request's
context (IP address, user agent, request id) and, where it matters to the account's
owner, told to them by email (sent by a Celery task once the transaction commits)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import AuditAction
from audit.context import current_context
from audit.services import log_audit_event

# What the email of each event says; events not listed here are audited only.
NOTICES = {
    AuditAction.PASSWORD_CHANGE: _("The password of your account was changed."),
    AuditAction.PASSWORD_RESET: _("The password of your account was reset with an emailed link."),
    AuditAction.TWO_FACTOR_ENABLE: _("Two-factor authentication was enabled on your account."),
    AuditAction.TWO_FACTOR_DISABLE: _("Two-factor authentication was disabled on your account."),
    AuditAction.RECOVERY_CODE_USED: _("A recovery code was used to sign in to your account."),
    AuditAction.RECOVERY_CODES_REGENERATE: _(
        "New recovery codes were generated for your account; the previous ones no longer work."
    ),
    AuditAction.API_KEY_CREATE: _("A new API key was created for your account."),
    AuditAction.API_KEY_REVOKE: _("An API key of your account was revoked."),
    AuditAction.SESSION_REVOKE: _("Sessions of your account were signed out."),
}


def record(action: str, user, *, request=None, content_object=None, context=None) -> None:
    """Audit `action` on the user's account and, for the events in NOTICES, email them.

    `context` (JSON-able) goes into the audit row and the email's details."""
    details = dict(context or {})
    log_audit_event(
        action,
        user=user,
        content_object=content_object if content_object is not None else user,
        request=request,
        context=details,
    )
    if action in NOTICES and user.email:
        where, _request_id = current_context(request)
        details.update({key: where[key] for key in ("ip_address", "user_agent") if where.get(key)})
        details["when"] = timezone.now().isoformat()
        from .tasks import send_security_notice

        user_id = user.pk
        transaction.on_commit(lambda: send_security_notice.delay(user_id, action, details))
