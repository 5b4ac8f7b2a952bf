from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationLevel(models.TextChoices):
    INFO = "INFO", _("Info")
    SUCCESS = "SUCCESS", _("Success")
    WARNING = "WARNING", _("Warning")
    ERROR = "ERROR", _("Error")
