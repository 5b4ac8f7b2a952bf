from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "CREATE", _("Create")
    UPDATE = "UPDATE", _("Update")
    DELETE = "DELETE", _("Delete")
    TRANSITION = "TRANSITION", _("Workflow Transition")
    LOGIN_SUCCESS = "LOGIN_SUCCESS", _("Login Success")
    LOGIN_FAILED = "LOGIN_FAILED", _("Login Failed")
    LOGOUT = "LOGOUT", _("Logout")
    PERMISSION_ASSIGN = "PERMISSION_ASSIGN", _("Permission Assigned")
    PERMISSION_REVOKE = "PERMISSION_REVOKE", _("Permission Revoked")
    PURGE = "PURGE", _("Audit Log Purged")
    # Account security (the user's own credentials).
    PASSWORD_CHANGE = "PASSWORD_CHANGE", _("Password Changed")
    PASSWORD_RESET_REQUEST = "PASSWORD_RESET_REQUEST", _("Password Reset Requested")
    PASSWORD_RESET = "PASSWORD_RESET", _("Password Reset")
    TWO_FACTOR_ENABLE = "TWO_FACTOR_ENABLE", _("Two-Factor Authentication Enabled")
    TWO_FACTOR_DISABLE = "TWO_FACTOR_DISABLE", _("Two-Factor Authentication Disabled")
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED", _("Recovery Code Used")
    RECOVERY_CODES_REGENERATE = "RECOVERY_CODES_REGENERATE", _("Recovery Codes Regenerated")
    API_KEY_CREATE = "API_KEY_CREATE", _("API Key Created")
    API_KEY_REVOKE = "API_KEY_REVOKE", _("API Key Revoked")
    SESSION_REVOKE = "SESSION_REVOKE", _("Sessions Revoked")
