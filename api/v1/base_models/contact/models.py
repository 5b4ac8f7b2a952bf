from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from taggit.managers import TaggableManager

from core.models import Auditable, BaseModel, OrganizationScoped, Timestamped
from core.registry import ALL

from .choices import AddressType, ContactStatus, ContactType, EmailType, PhoneType


class Contact(OrganizationScoped, BaseModel):
    """A person an organization deals with, with any number of e-mail addresses, phone
    numbers and postal addresses (one of each kind primary)."""

    default_grants = {
        "administrator": ALL,
        "member": ALL,
        "auditor": ("view",),
        "viewer": ("view",),
    }

    first_name = models.CharField(_("First Name"), max_length=100)
    last_name = models.CharField(_("Last Name"), max_length=100, blank=True, db_index=True)
    title = models.CharField(_("Title"), max_length=100, blank=True, help_text=_("Job title."))
    department = models.CharField(_("Department"), max_length=100, blank=True)
    contact_type = models.CharField(
        _("Contact Type"),
        max_length=20,
        choices=ContactType.choices,
        default=ContactType.PRIMARY,
        db_index=True,
    )
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=ContactStatus.choices,
        default=ContactStatus.ACTIVE,
        db_index=True,
    )
    source = models.CharField(
        _("Source"), max_length=100, blank=True, help_text=_("Where the contact came from.")
    )
    notes = models.TextField(_("Notes"), blank=True)
    linked_organization = models.ForeignKey(
        "organization.Organization",
        verbose_name=_("Linked Organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        help_text=_("The organization the person works for (a customer, a supplier, ...)."),
    )
    tags = TaggableManager(blank=True, verbose_name=_("Tags"))

    class Meta:
        verbose_name = _("Contact")
        verbose_name_plural = _("Contacts")
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return contact_full_name(self.first_name, self.last_name)


def contact_full_name(first_name: str, last_name: str) -> str:
    """A contact's name as shown: the first and last names, either possibly empty."""
    return " ".join(part for part in (first_name, last_name) if part)


class ContactChannel(Timestamped, Auditable):
    """One way to reach a contact. Among a contact's channels of one kind (e-mail
    addresses, phone numbers, postal addresses) exactly one is primary: saving one as
    primary demotes the others, the first one saved is primary whatever it says, and
    deleting the primary one promotes the oldest remaining. A partial unique index
    backs the rule in the database."""

    default_grants = {"administrator": ALL, "member": ALL, "viewer": ("view",)}

    # A channel belongs to its contact's organization (core.registry).
    organization_path = "contact__organization"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)
    is_primary = models.BooleanField(_("Is Primary"), default=False)

    class Meta:
        abstract = True

    def _siblings(self):
        return type(self)._default_manager.filter(contact_id=self.contact_id)

    def save(self, *args, **kwargs):
        with transaction.atomic():
            others = self._siblings().exclude(pk=self.pk).filter(is_primary=True)
            if self.is_primary:
                # Demoted first: the database allows one primary at any moment.
                others.update(is_primary=False)
            elif not others.exists():
                self.is_primary = True
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            if self.is_primary:
                successor = self._siblings().order_by("pk").first()
                if successor is not None:
                    successor.is_primary = True
                    successor.save(update_fields=["is_primary"])
            return result


class ContactEmailAddress(ContactChannel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="email_addresses")
    email = models.EmailField(_("E-mail Address"))
    email_type = models.CharField(
        _("Type"), max_length=20, choices=EmailType.choices, default=EmailType.WORK
    )

    class Meta:
        verbose_name = _("E-mail Address")
        verbose_name_plural = _("E-mail Addresses")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contact_email_unique"),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="contact_email_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class ContactPhoneNumber(ContactChannel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phone_numbers")
    phone_number = PhoneNumberField(_("Phone Number"))
    phone_type = models.CharField(
        _("Type"), max_length=20, choices=PhoneType.choices, default=PhoneType.MOBILE
    )

    class Meta:
        verbose_name = _("Phone Number")
        verbose_name_plural = _("Phone Numbers")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "phone_number"], name="contact_phone_unique"
            ),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="contact_phone_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return str(self.phone_number)


class ContactAddress(ContactChannel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    address = models.OneToOneField(
        "common.Address", on_delete=models.CASCADE, related_name="contact_link"
    )
    address_type = models.CharField(
        _("Type"), max_length=20, choices=AddressType.choices, default=AddressType.WORK
    )

    class Meta:
        verbose_name = _("Contact Address")
        verbose_name_plural = _("Contact Addresses")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(is_primary=True),
                name="contact_address_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return str(self.address)
