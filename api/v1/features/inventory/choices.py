from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseType(models.TextChoices):
    DISTRIBUTION_CENTER = "DISTRIBUTION_CENTER", _("Distribution Center")
    RETAIL_STORE = "RETAIL_STORE", _("Retail Store")
    MANUFACTURING = "MANUFACTURING", _("Manufacturing")
    VIRTUAL_DROPSHIP = "VIRTUAL_DROPSHIP", _("Virtual/Dropship")
    THIRD_PARTY_LOGISTICS = "THIRD_PARTY_LOGISTICS", _("Third-Party Logistics")
    TRANSIT = "TRANSIT", _("Transit")
    OTHER = "OTHER", _("Other")


class LocationType(models.TextChoices):
    ZONE = "ZONE", _("Zone")
    AISLE = "AISLE", _("Aisle")
    RACK = "RACK", _("Rack")
    SHELF = "SHELF", _("Shelf")
    BIN = "BIN", _("Bin")
    DOCK = "DOCK", _("Dock")
    STAGING_AREA = "STAGING_AREA", _("Staging Area")
    OTHER = "OTHER", _("Other")
