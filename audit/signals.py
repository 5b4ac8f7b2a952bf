"""Authentication events: login success and failure, logout."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .choices import AuditAction
from .services import log_audit_event


@receiver(user_logged_in, dispatch_uid="audit.login")
def _logged_in(sender, request, user, **kwargs):
    log_audit_event(AuditAction.LOGIN_SUCCESS, user=user, content_object=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the name is kept.
    username = str(credentials.get("username", ""))[:150]
    log_audit_event(
        AuditAction.LOGIN_FAILED,
        request=request,
        context={"username_attempt": username},
        object_repr_override=username,
    )


@receiver(user_logged_out, dispatch_uid="audit.logout")
def _logged_out(sender, request, user, **kwargs):
    log_audit_event(AuditAction.LOGOUT, user=user, content_object=user, request=request)
