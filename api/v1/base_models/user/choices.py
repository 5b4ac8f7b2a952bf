from django.db import models
from django.utils.translation import gettext_lazy as _


class DateFormat(models.TextChoices):
    ISO = "YYYY-MM-DD", _("ISO 8601 (2026-01-31)")
    DAY_FIRST_SLASH = "DD/MM/YYYY", _("Day first, slashes (31/01/2026)")
    MONTH_FIRST_SLASH = "MM/DD/YYYY", _("Month first, slashes (01/31/2026)")
    DAY_FIRST_DOT = "DD.MM.YYYY", _("Day first, dots (31.01.2026)")
    DAY_FIRST_DASH = "DD-MM-YYYY", _("Day first, dashes (31-01-2026)")


class TimeFormat(models.TextChoices):
    H24 = "24h", _("24-hour (14:30)")
    H12 = "12h", _("12-hour (2:30 PM)")


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("Email")
