from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    CREATED = "created", _("Record created")
    UPDATED = "updated", _("Record updated")
    DELETED = "deleted", _("Record deleted")
    TRANSITIONED = "transitioned", _("Record transitioned")
    SCHEDULE = "schedule", _("Schedule")
    RELATIVE_TIME = "relative_time", _("Time relative to a date field")


TIMED_TRIGGERS = (Trigger.SCHEDULE, Trigger.RELATIVE_TIME)


class ConditionLogic(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class Signing(models.TextChoices):
    STANDARD = "standard", _("Standard Webhooks")
    HMAC_SHA256 = "hmac-sha256", _("HMAC-SHA256")
    HMAC_SHA512 = "hmac-sha512", _("HMAC-SHA512")
    NONE = "none", _("None")


class LogStatus(models.TextChoices):
    NOT_MATCHED = "not_matched", _("Conditions not met")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIAL = "partial", _("Partly failed")
    FAILED = "failed", _("Failed")
    PENDING = "pending", _("Actions pending")
    SKIPPED = "skipped", _("Skipped")


class ActionStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")
    PENDING = "pending", _("Pending")
    SKIPPED = "skipped", _("Skipped")
