"""Inventory places: warehouses, and the hierarchy of stock locations inside each."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from mptt.models import TreeForeignKey
from taggit.managers import TaggableManager

from core.models import BaseModel, BaseTreeModel, OrganizationScoped
from core.registry import ALL
from core.utils import exists_besides

from .choices import LocationType, WarehouseType

CODE_TAKEN = _("A warehouse with this code already exists in this organization.")
WAREHOUSE_HAS_LOCATIONS = _("A warehouse with stock locations cannot move to another organization.")
NAME_TAKEN = _("A location with this name already exists at this level of the warehouse.")
BARCODE_TAKEN = _("A location with this barcode already exists in this warehouse.")
PARENT_IN_OTHER_WAREHOUSE = _("The parent location must belong to the same warehouse.")
PARENT_IS_DESCENDANT = _("A location cannot be moved under itself or its descendants.")
WAREHOUSE_FIXED = _("A location cannot move to another warehouse.")


class Warehouse(OrganizationScoped, BaseModel):
    """A physical or logical place where an organization keeps inventory."""

    natural_key_field = "code"  # how files name a warehouse (data_jobs)

    default_grants = {
        "administrator": ALL,
        "member": ("view",),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    name = models.CharField(_("Name"), max_length=255, db_index=True)
    code = models.CharField(
        _("Code"),
        max_length=50,
        help_text=_("Unique within the organization, case-insensitively (WH1 and wh1 clash)."),
    )
    warehouse_type = models.CharField(
        _("Warehouse Type"), max_length=50, choices=WarehouseType.choices, db_index=True
    )
    # The warehouse's own address (written nested through the API), hence one-to-one:
    # changing it never changes another record's address. Null for virtual warehouses.
    address = models.OneToOneField(
        "common.Address",
        verbose_name=_("Address"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warehouse",
    )
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)
    tags = TaggableManager(blank=True, verbose_name=_("Tags"))

    class Meta:
        verbose_name = _("Warehouse")
        verbose_name_plural = _("Warehouses")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("code"),
                name="inventory_warehouse_code_unique_ci",
                violation_error_message=CODE_TAKEN,
            ),
        ]
        indexes = [models.Index(fields=["organization", "code"], name="inventory_wh_org_code_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        super().clean()
        if self.organization_id is None:
            return
        if self.pk is not None:
            stored = Warehouse.objects.filter(pk=self.pk).values_list("organization_id", flat=True)
            if stored.first() not in (None, self.organization_id) and self.stock_locations.exists():
                raise ValidationError({"organization": WAREHOUSE_HAS_LOCATIONS})
        if self.code and code_taken(self.organization_id, self.code, exclude=self):
            raise ValidationError({"code": CODE_TAKEN})


class StockLocation(OrganizationScoped, BaseTreeModel):
    """A place inside a warehouse (zone, aisle, rack, shelf, bin, ...), in a hierarchy.

    Its organization is always its warehouse's, set on every save; a location never
    changes warehouse, and its parent is in the same warehouse.
    """

    default_grants = {
        "administrator": ALL,
        "member": ("view", "add", "change"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    name = models.CharField(
        _("Name/Identifier"),
        max_length=255,
        help_text=_("e.g., Aisle A, Rack 01-03, Bin A-01-03-05"),
    )
    barcode = models.CharField(
        _("Barcode"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("Optional; unique within the warehouse when given."),
    )
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("Warehouse"),
        on_delete=models.PROTECT,
        related_name="stock_locations",
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("Parent Location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    location_type = models.CharField(
        _("Location Type"),
        max_length=20,
        choices=LocationType.choices,
        blank=True,
        db_index=True,
    )
    is_active = models.BooleanField(
        _("Is Active"), default=True, db_index=True, help_text=_("Can inventory be stored here?")
    )

    class MPTTMeta:
        order_insertion_by = ["name"]
        parent_attr = "parent"

    class Meta:
        verbose_name = _("Stock Location")
        verbose_name_plural = _("Stock Locations")
        ordering = ["warehouse__code", "tree_id", "lft"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "barcode"],
                condition=~Q(barcode=""),
                name="inventory_location_barcode_unique",
                violation_error_message=BARCODE_TAKEN,
            ),
            models.UniqueConstraint(
                fields=["warehouse", "parent", "name"],
                name="inventory_location_name_unique_per_parent",
                violation_error_message=NAME_TAKEN,
            ),
            # NULL parents are all distinct to the constraint above: roots need their own.
            models.UniqueConstraint(
                fields=["warehouse", "name"],
                condition=Q(parent__isnull=True),
                name="inventory_location_root_name_unique",
                violation_error_message=NAME_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code} / {self.name}"

    def save(self, *args, **kwargs):
        self._take_warehouse_organization()
        super().save(*args, **kwargs)

    def _take_warehouse_organization(self):
        if self.warehouse_id is not None:
            self.organization_id = self.warehouse.organization_id

    def full_clean(self, *args, **kwargs):
        self._take_warehouse_organization()
        super().full_clean(*args, **kwargs)

    def custom_fields_organization(self):
        return self.warehouse.organization if self.warehouse_id else None

    def clean(self):
        self._take_warehouse_organization()
        super().clean()
        if self.warehouse_id is None:
            return  # the warehouse field has its own error
        errors = {}
        if self.pk is not None:
            stored = StockLocation.objects.filter(pk=self.pk).values_list("warehouse_id", flat=True)
            if stored.first() not in (None, self.warehouse_id):
                errors["warehouse"] = WAREHOUSE_FIXED
        parent = self.parent if self.parent_id else None
        message = parent_error(self, parent, self.warehouse_id)
        if message:
            errors["parent"] = message
        # Also checked here, not only by the constraints: the Admin leaves out of its
        # constraint checks the fields that are not in its form (the warehouse, once set).
        if self.name and name_taken(self.warehouse_id, parent, self.name, exclude=self):
            errors["name"] = NAME_TAKEN
        if barcode_taken(self.warehouse_id, self.barcode, exclude=self):
            errors["barcode"] = BARCODE_TAKEN
        if errors:
            raise ValidationError(errors)


def parent_error(location, parent, warehouse_id):
    """Why `parent` cannot be the parent of `location` (None for a new location) in
    warehouse `warehouse_id`, or None when it can."""
    if parent is None:
        return None
    if parent.warehouse_id != warehouse_id:
        return PARENT_IN_OTHER_WAREHOUSE
    if (
        location is not None
        and location.pk is not None
        and (parent.pk == location.pk or parent.is_descendant_of(location))
    ):
        return PARENT_IS_DESCENDANT
    return None


def code_taken(organization, code, exclude=None) -> bool:
    """A warehouse of `organization` (an instance or id) has `code`, in any letter case."""
    return exists_besides(
        Warehouse.objects.filter(organization=organization, code__iexact=code), exclude
    )


def name_taken(warehouse, parent, name, exclude=None) -> bool:
    """A location of `warehouse` directly under `parent` (None: a root) is named `name`."""
    return exists_besides(
        StockLocation.objects.filter(warehouse=warehouse, parent=parent, name=name), exclude
    )


def barcode_taken(warehouse, barcode, exclude=None) -> bool:
    """Another location of `warehouse` has `barcode` (blank barcodes never clash)."""
    if not barcode:
        return False
    return exists_besides(
        StockLocation.objects.filter(warehouse=warehouse, barcode=barcode), exclude
    )
