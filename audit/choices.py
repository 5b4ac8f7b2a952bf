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
