from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from mptt.models import TreeForeignKey
from taggit.managers import TaggableManager

from core.fields import JSONField
from core.models import Auditable, BaseTreeModel, Timestamped
from core.registry import ALL
from core.validators import validate_language, validate_timezone

from .choices import InvitationStatus, OrganizationStatus


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
    metadata = JSONField(_("Metadata"), default=dict, blank=True)

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

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)
    importable = False  # by invitation (data_jobs)

    default_grants = {"administrator": ALL, "member": ("view",), "auditor": ("view",)}

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

    # An organization is never left without an administrator (services.LastAdministrator,
    # a 409): whatever removes, deactivates, demotes or moves the last one is refused,
    # from the API, the Admin or any other code that saves or deletes the membership.
    # (Deleting the organization or the user takes the memberships with it.)
    def save(self, *args, **kwargs):
        from .services import guard_administrator_change

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            if not self._state.adding:
                guard_administrator_change(self)
            super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        from .services import guard_administrator_removal

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            guard_administrator_removal([self])
            return super().delete(*args, **kwargs)

    delete.alters_data = True


class OrganizationInvitation(Timestamped, Auditable):
    """An invitation to join an organization with a role, sent by email.

    The invitee accepts (which creates or reactivates their membership) or declines it
    with the single-use token of the email, or from their list of invitations once
    logged in with the invited address. Only a hash of the token is stored.
    """

    business_record = False  # bookkeeping: no comments or documents on it (core.registry)

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("Organization"),
    )
    email = models.EmailField(
        _("Email"), help_text=_("The invited address (stored in lower case).")
    )
    role = models.ForeignKey(
        Group,
        verbose_name=_("Role (Group)"),
        on_delete=models.PROTECT,
        related_name="organization_invitations",
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
        db_index=True,
    )
    token_hash = models.CharField(
        _("Token hash"),
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text=_("SHA-256 of the token last sent; empty until the email is sent."),
    )
    expires_at = models.DateTimeField(_("Expires At"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Invited By"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("Last Sent At"), null=True, blank=True, editable=False)
    send_count = models.PositiveIntegerField(_("Times Sent"), default=0, editable=False)
    accepted_at = models.DateTimeField(_("Accepted At"), null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Accepted By"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    membership = models.ForeignKey(
        OrganizationMembership,
        verbose_name=_("Membership"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="invitations",
        help_text=_("The membership the accepted invitation created or reactivated."),
    )

    class Meta:
        verbose_name = _("Organization Invitation")
        verbose_name_plural = _("Organization Invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(status=InvitationStatus.PENDING),
                name="organization_invitation_pending_unique",
            ),
            models.UniqueConstraint(
                fields=["token_hash"],
                condition=~Q(token_hash=""),
                name="organization_invitation_token_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["email", "status"], name="org_invitation_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} as {self.role}"

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at <= now()

    @property
    def effective_status(self) -> str:
        """The status, where a pending invitation past its expiry reads as expired (the
        stored status catches up daily, see tasks.expire_invitations)."""
        return self.status_at(self.status, self.expires_at)

    @staticmethod
    def status_at(status: str, expires_at) -> str:
        """The effective status of an invitation of this status and expiry (read from
        rows as from instances)."""
        if status == InvitationStatus.PENDING and expires_at <= now():
            return InvitationStatus.EXPIRED
        return status
