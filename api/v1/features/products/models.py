from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from taggit.managers import TaggableManager

from api.v1.base_models.common.choices import CategoryType
from core.fields import JSONField
from core.models import BaseModel, OrganizationScoped
from core.registry import ALL
from core.workflows import condition
from rbac.access import org_permission

from .choices import ProductStatus, ProductType


@condition(_("The product needs a description before it can be activated."))
def has_description(product) -> bool:
    return bool(product.description.strip())


@condition(_("The product needs a category before it can be activated."))
def has_category(product) -> bool:
    return product.category_id is not None


class Product(ConcurrentTransitionMixin, OrganizationScoped, BaseModel):
    """An item of an organization's catalog: a good, a service, a digital product or a
    subscription. Its status follows a workflow (draft -> active -> discontinued, and
    back to draft) and changes only through the transitions below."""

    natural_key_field = "sku"  # how files name a product (data_jobs)

    default_grants = {
        "administrator": (*ALL, "activate", "discontinue", "reset"),
        "member": ("view", "add", "change", "activate", "discontinue"),
        "auditor": ("view",),
        "viewer": ("view",),
    }

    name = models.CharField(_("Name"), max_length=255, db_index=True)
    sku = models.CharField(
        _("SKU/Code"),
        max_length=100,
        db_index=True,
        help_text=_("Stock keeping unit, unique (in any letter case) in the organization."),
    )
    description = models.TextField(_("Description"), blank=True)
    product_type = models.CharField(
        _("Product Type"), max_length=50, choices=ProductType.choices, db_index=True
    )
    category = models.ForeignKey(
        "common.Category",
        verbose_name=_("Category"),
        related_name="products",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"category_type": CategoryType.PRODUCT},
    )
    status = FSMField(
        _("Status"),
        max_length=50,
        choices=ProductStatus.choices,
        default=ProductStatus.DRAFT,
        protected=True,
        db_index=True,
    )
    base_uom = models.ForeignKey(
        "common.UnitOfMeasure",
        verbose_name=_("Base Unit of Measure"),
        related_name="products_base",
        on_delete=models.PROTECT,
    )
    is_inventory_tracked = models.BooleanField(_("Inventory Tracked?"), default=True)
    is_purchasable = models.BooleanField(_("Purchasable?"), default=True)
    is_sellable = models.BooleanField(_("Sellable?"), default=True)
    tags = TaggableManager(blank=True, verbose_name=_("Tags"))
    attributes = JSONField(
        _("Attributes"),
        default=dict,
        blank=True,
        help_text=_("Semi-structured attributes (color, size, dimensions, ...)."),
    )

    class Meta:
        verbose_name = _("Product")
        verbose_name_plural = _("Products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("sku"), name="product_sku_unique_per_organization_ci"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "sku"]),
            models.Index(fields=["organization", "name"]),
        ]
        permissions = [
            ("activate_product", _("Can activate product")),
            ("discontinue_product", _("Can discontinue product")),
            ("reset_product", _("Can reset product to draft")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @transition(
        field=status,
        source=ProductStatus.DRAFT,
        target=ProductStatus.ACTIVE,
        conditions=[has_description, has_category],
        permission=org_permission("products.activate_product"),
        custom={"label": _("Activate")},
    )
    def activate(self):
        """Put a draft product in use (it needs a description and a category)."""

    @transition(
        field=status,
        source=ProductStatus.ACTIVE,
        target=ProductStatus.DISCONTINUED,
        permission=org_permission("products.discontinue_product"),
        custom={"label": _("Discontinue")},
    )
    def discontinue(self):
        """Stop using an active product; the reason goes to the audit log."""

    @transition(
        field=status,
        source=[ProductStatus.ACTIVE, ProductStatus.DISCONTINUED],
        target=ProductStatus.DRAFT,
        permission=org_permission("products.reset_product"),
        custom={"label": _("Reset to draft")},
    )
    def reset_to_draft(self):
        """Take an active or discontinued product back to draft, to rework it."""
