"""Reference data shared by every module: currencies, addresses, statuses, units of
measure, categories and tax definitions."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from mptt.models import TreeForeignKey

from core.models import BaseModel, BaseTreeModel
from core.utils import unique_slug

from .choices import AddressStatus, CategoryType, JurisdictionType, TaxType, UnitType


# ------------------------------------------------------------------------------ currency
class Currency(BaseModel):
    """An ISO 4217 currency. Every currency of ISO 4217 list one is loaded by migration."""

    code = models.CharField(
        _("ISO 4217 Code"),
        max_length=3,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. EUR."))],
        help_text=_("ISO 4217 3-letter currency code."),
    )
    name = models.CharField(
        _("Name"), max_length=100, unique=True, help_text=_("Official name of the currency.")
    )
    symbol = models.CharField(
        _("Symbol"),
        max_length=5,
        blank=True,
        help_text=_("Common symbol for the currency (e.g., $, €); empty when there is none."),
    )
    numeric_code = models.CharField(
        _("ISO 4217 Numeric Code"),
        max_length=3,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{3}$", _("Three digits, e.g. 978."))],
        help_text=_("ISO 4217 3-digit numeric currency code."),
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("Decimal Places"),
        default=2,
        validators=[MaxValueValidator(8)],
        help_text=_("Minor units: number of decimal places commonly used."),
    )
    is_active = models.BooleanField(
        _("Is Active"), default=True, db_index=True, help_text=_("Available for use.")
    )

    class Meta:
        verbose_name = _("Currency")
        verbose_name_plural = _("Currencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        super().clean()
        if self.numeric_code == "":
            self.numeric_code = None


# ------------------------------------------------------------------------------- address
class Address(BaseModel):
    """A postal address. Owned by other records (organizations, contacts, warehouses),
    which create and update it through AddressSerializer; there is no endpoint of its own."""

    street_address_1 = models.CharField(_("Street Address 1"), max_length=255, blank=True)
    street_address_2 = models.CharField(_("Street Address 2"), max_length=255, blank=True)
    city = models.CharField(_("City"), max_length=100, blank=True, db_index=True)
    state_province = models.CharField(
        _("State/Province"), max_length=100, blank=True, db_index=True
    )
    postal_code = models.CharField(_("Postal Code"), max_length=20, blank=True, db_index=True)
    country = CountryField(_("Country"), db_index=True)
    latitude = models.DecimalField(
        _("Latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("Longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=AddressStatus.choices,
        default=AddressStatus.ACTIVE,
        db_index=True,
    )

    class Meta:
        verbose_name = _("Address")
        verbose_name_plural = _("Addresses")
        ordering = ["country", "city", "street_address_1"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="common_address_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="common_address_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        locality = " ".join(part for part in (self.postal_code, self.city) if part)
        parts = [
            self.street_address_1,
            self.street_address_2,
            locality,
            self.state_province,
            self.country.name if self.country else "",
        ]
        return ", ".join(part for part in parts if part)


# -------------------------------------------------------------------------------- status
class Status(BaseModel):
    """A status value shared by models (draft, active, approved, ...), by slug."""

    slug = models.SlugField(
        _("Slug"),
        max_length=50,
        primary_key=True,
        help_text=_("Unique machine-readable identifier (e.g., 'pending_approval')."),
    )
    name = models.CharField(
        _("Name"),
        max_length=100,
        unique=True,
        help_text=_("Human-readable status name (e.g., 'Pending Approval')."),
    )
    description = models.TextField(_("Description"), blank=True)
    category = models.CharField(
        _("Category"),
        max_length=50,
        blank=True,
        db_index=True,
        help_text=_("Optional group of statuses (e.g., 'General', 'Approval')."),
    )
    color = models.CharField(
        _("Color"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("A hex color such as #4CAF50."))],
        help_text=_("Optional hex color code for user interfaces (#RRGGBB)."),
    )

    class Meta:
        verbose_name = _("Status")
        verbose_name_plural = _("Statuses")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------ unit of measure
class UnitOfMeasure(BaseModel):
    """A unit of measure (KG, M, EA, ...) with its type of quantity."""

    code = models.CharField(
        _("Code"),
        max_length=20,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z0-9_]+$", _("Capital letters, digits and underscores."))],
        help_text=_("Unique code for the unit (e.g., KG, M, EA, BOX_12)."),
    )
    name = models.CharField(
        _("Name"),
        max_length=100,
        unique=True,
        help_text=_("Full name of the unit (e.g., Kilogram, Meter, Each)."),
    )
    uom_type = models.CharField(
        _("Type"),
        max_length=50,
        choices=UnitType.choices,
        db_index=True,
        help_text=_("Category of measurement (e.g., Length, Mass, Count)."),
    )
    symbol = models.CharField(
        _("Symbol"), max_length=10, blank=True, help_text=_("Common symbol (e.g., kg, m, L).")
    )
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)

    class Meta:
        verbose_name = _("Unit of Measure")
        verbose_name_plural = _("Units of Measure")
        ordering = ["uom_type", "name"]

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------ category
class Category(BaseTreeModel):
    """A node of a category tree; each `category_type` (product, document type, ...) has
    its own trees, and a parent always has the same type as its children."""

    natural_key_field = "slug"  # how files name a category (data_jobs)

    name = models.CharField(_("Name"), max_length=255, db_index=True)
    slug = models.SlugField(
        _("Slug"),
        max_length=255,
        unique=True,
        blank=True,
        help_text=_("Unique URL-friendly identifier. Generated from the name if blank."),
    )
    description = models.TextField(_("Description"), blank=True)
    parent = TreeForeignKey(
        "self",
        verbose_name=_("Parent Category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    category_type = models.CharField(
        _("Category Type"),
        max_length=50,
        choices=CategoryType.choices,
        db_index=True,
        help_text=_("The type of entity this category classifies."),
    )
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)

    class MPTTMeta:
        order_insertion_by = ["name"]
        parent_attr = "parent"

    class Meta:
        verbose_name = _("Category")
        verbose_name_plural = _("Categories")
        ordering = ["tree_id", "lft"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name", "category_type"],
                name="common_category_unique_name_per_parent",
            ),
            # NULL parents are all distinct to the constraint above: roots need their own.
            models.UniqueConstraint(
                fields=["name", "category_type"],
                condition=Q(parent__isnull=True),
                name="common_category_unique_root_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id is None:
            return
        parent = self.parent
        if parent.category_type != self.category_type:
            raise ValidationError(
                {"parent": _("The parent category must have the same category type.")}
            )
        if self.pk and (parent.pk == self.pk or parent.is_descendant_of(self)):
            raise ValidationError(
                {"parent": _("A category cannot be moved under itself or its descendants.")}
            )

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name, fallback="category")
        super().save(*args, **kwargs)


# ----------------------------------------------------------------------------------- tax
class TaxJurisdiction(BaseTreeModel):
    """A place with its own taxes: a country, a state or province, a county, a city."""

    code = models.CharField(
        _("Code"),
        max_length=50,
        primary_key=True,
        help_text=_("ISO 3166 code where one exists: 'US' for a country, 'US-CA' for a state."),
    )
    name = models.CharField(_("Name"), max_length=255, db_index=True)
    jurisdiction_type = models.CharField(
        _("Jurisdiction Type"), max_length=20, choices=JurisdictionType.choices, db_index=True
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("Parent Jurisdiction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)

    class MPTTMeta:
        order_insertion_by = ["name"]
        parent_attr = "parent"

    class Meta:
        verbose_name = _("Tax Jurisdiction")
        verbose_name_plural = _("Tax Jurisdictions")
        ordering = ["tree_id", "lft"]

    def __str__(self) -> str:
        return self.name


class TaxCategory(BaseModel):
    """A class of goods or services for taxation: standard, reduced, zero, exempt, ..."""

    code = models.SlugField(_("Code"), max_length=50, primary_key=True)
    name = models.CharField(_("Name"), max_length=100, unique=True)
    description = models.TextField(_("Description"), blank=True)
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)

    class Meta:
        verbose_name = _("Tax Category")
        verbose_name_plural = _("Tax Categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxRate(BaseModel):
    """A tax rate of a jurisdiction (optionally for one tax category), valid over a period."""

    jurisdiction = models.ForeignKey(
        TaxJurisdiction,
        on_delete=models.CASCADE,
        related_name="tax_rates",
        verbose_name=_("Jurisdiction"),
    )
    tax_category = models.ForeignKey(
        TaxCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tax_rates",
        verbose_name=_("Tax Category"),
    )
    name = models.CharField(_("Name"), max_length=100, help_text=_("e.g., CA State Sales Tax"))
    rate = models.DecimalField(
        _("Rate"),
        max_digits=10,
        decimal_places=5,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A fraction: 0.0825 for 8.25%."),
    )
    tax_type = models.CharField(
        _("Tax Type"), max_length=10, choices=TaxType.choices, db_index=True
    )
    is_compound = models.BooleanField(
        _("Is Compound"), default=False, help_text=_("Applied on top of the taxes before it.")
    )
    priority = models.IntegerField(
        _("Priority"), default=0, help_text=_("Lower priorities apply first when compounding.")
    )
    valid_from = models.DateField(_("Valid From"), null=True, blank=True, db_index=True)
    valid_to = models.DateField(_("Valid To"), null=True, blank=True, db_index=True)
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)

    class Meta:
        verbose_name = _("Tax Rate")
        verbose_name_plural = _("Tax Rates")
        ordering = ["jurisdiction_id", "priority", "-valid_from"]
        indexes = [
            models.Index(
                fields=["jurisdiction", "tax_category", "valid_from", "valid_to"],
                name="common_taxrate_lookup_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0), name="common_taxrate_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="common_taxrate_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.jurisdiction_id} {self.rate * 100}%"

    def clean(self):
        super().clean()
        validate_validity_period(self.valid_from, self.valid_to)


def validate_validity_period(valid_from, valid_to) -> None:
    """`valid_to` is on or after `valid_from` (either may be open)."""
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(
            {"valid_to": _("The end of validity must be on or after its start (valid_from).")}
        )
