from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from mptt.models import TreeForeignKey
from taggit.managers import TaggableManager

from core.models import Auditable, BaseTreeModel, Timestamped
from core.validators import validate_language, validate_timezone

from .choices import OrganizationStatus


class OrganizationType(Timestamped, Auditable):
    """A kind of organization: company, department, customer, supplier, ..."""

    name = models.CharField(
        _("Name"),
        max_length=100,
        primary_key=True,
        help_text=_("Unique name for the organization type (e.g., Company, Department)."),
    )
    description = models.TextField(_("Description"), blank=True)

    class Meta:
        verbose_name = _("Organization Type")
        verbose_name_plural = _("Organization Types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def default_language() -> str:
    return settings.LANGUAGE_CODE


def default_timezone() -> str:
    return settings.TIME_ZONE


class Organization(BaseTreeModel):
    """An organization unit: the tenant of all scoped data, and a node of a hierarchy
    (company, divisions, departments; customers and suppliers)."""

    name = models.CharField(_("Name"), max_length=255, db_index=True)
    code = models.CharField(
        _("Code"),
        max_length=50,
        help_text=_("Unique code, case-insensitively (ACME and acme are the same)."),
    )
    organization_type = models.ForeignKey(
        OrganizationType,
        verbose_name=_("Organization Type"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=OrganizationStatus.choices,
        default=OrganizationStatus.ACTIVE,
        db_index=True,
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("Parent Organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    effective_date = models.DateField(_("Effective Date"), null=True, blank=True)
    end_date = models.DateField(_("End Date"), null=True, blank=True)
    primary_contact = models.ForeignKey(
        "contact.Contact",
        verbose_name=_("Primary Contact"),
        related_name="primary_for_organizations",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    primary_address = models.ForeignKey(
        "common.Address",
        verbose_name=_("Primary Address"),
        related_name="primary_for_organizations",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    timezone = models.CharField(
        _("Time Zone"), max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    currency = models.ForeignKey(
        "common.Currency",
        verbose_name=_("Default Currency"),
        related_name="organizations",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    language = models.CharField(
        _("Language"), max_length=15, default=default_language, validators=[validate_language]
    )
    tags = TaggableManager(blank=True, verbose_name=_("Tags"))
    metadata = models.JSONField(_("Metadata"), default=dict, blank=True)

    class MPTTMeta:
        order_insertion_by = ["name"]
        parent_attr = "parent"

    class Meta:
        verbose_name = _("Organization")
        verbose_name_plural = _("Organizations")
        ordering = ["tree_id", "lft"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="organization_code_unique_ci"),
            models.UniqueConstraint(
                fields=["parent", "name"], name="organization_name_unique_per_parent"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="organization_root_name_unique",
            ),
            models.CheckConstraint(
                condition=Q(effective_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("effective_date")),
                name="organization_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.effective_date and self.end_date and self.end_date < self.effective_date:
            raise ValidationError({"end_date": _("The end date must not be before the start.")})
        if (
            self.pk
            and self.parent_id
            and (self.parent_id == self.pk or self.parent.is_descendant_of(self))
        ):
            raise ValidationError(
                {"parent": _("An organization cannot be moved under itself or its descendants.")}
            )

    def custom_fields_organization(self):
        # An organization's own definitions apply to it; a new one takes its parent's.
        return self if self.pk else self.parent


class OrganizationMembership(Timestamped, Auditable):
    """A user's membership of an organization, with the role (a Group of permissions)
    the user holds there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organization_memberships",
        verbose_name=_("User"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("Organization"),
    )
    role = models.ForeignKey(
        Group,
        verbose_name=_("Role (Group)"),
        on_delete=models.PROTECT,
        related_name="organization_memberships",
    )
    is_active = models.BooleanField(_("Is Active Member"), default=True, db_index=True)

    class Meta:
        verbose_name = _("Organization Membership")
        verbose_name_plural = _("Organization Memberships")
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="organization_membership_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="org_membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"
