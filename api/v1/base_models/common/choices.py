from django.db import models
from django.utils.translation import gettext_lazy as _


class AddressStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class UnitType(models.TextChoices):
    LENGTH = "Length", _("Length")
    MASS = "Mass", _("Mass")
    VOLUME = "Volume", _("Volume")
    COUNT = "Count", _("Count/Each")
    TIME = "Time", _("Time")
    AREA = "Area", _("Area")
    OTHER = "Other", _("Other")


class CategoryType(models.TextChoices):
    PRODUCT = "PRODUCT", _("Product Category")
    DOCUMENT_TYPE = "DOCUMENT_TYPE", _("Document Type")
    ASSET_TYPE = "ASSET_TYPE", _("Asset Type")
    ORG_COST_CENTER = "ORG_COST_CENTER", _("Org/Cost Center")
    OTHER = "OTHER", _("Other")


class JurisdictionType(models.TextChoices):
    COUNTRY = "COUNTRY", _("Country")
    STATE_PROVINCE = "STATE_PROVINCE", _("State/Province")
    COUNTY = "COUNTY", _("County")
    CITY = "CITY", _("City")
    OTHER = "OTHER", _("Other")


class TaxType(models.TextChoices):
    VAT = "VAT", _("Value Added Tax")
    GST = "GST", _("Goods and Services Tax")
    SALES = "SALES", _("Sales Tax")
    OTHER = "OTHER", _("Other")
