from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    ARCHIVED = "archived", _("Archived")


class ContactType(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    TECHNICAL = "technical", _("Technical")
    SALES = "sales", _("Sales")
    OTHER = "other", _("Other")


class EmailType(models.TextChoices):
    WORK = "work", _("Work")
    PERSONAL = "personal", _("Personal")
    OTHER = "other", _("Other")


class PhoneType(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    WORK = "work", _("Work")
    HOME = "home", _("Home")
    FAX = "fax", _("Fax")
    OTHER = "other", _("Other")


class AddressType(models.TextChoices):
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")
