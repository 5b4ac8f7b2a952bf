from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductType(models.TextChoices):
    PHYSICAL_GOOD = "PHYSICAL_GOOD", _("Physical Good")
    SERVICE = "SERVICE", _("Service")
    DIGITAL = "DIGITAL", _("Digital Product")
    SUBSCRIPTION = "SUBSCRIPTION", _("Subscription")


class ProductStatus(models.TextChoices):
    """The states of the product workflow; each is a common Status slug."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    DISCONTINUED = "discontinued", _("Discontinued")
