from django.contrib import admin

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET

from .models import Contact, ContactAddress, ContactEmailAddress, ContactPhoneNumber


class ChannelInline(admin.TabularInline):
    """Channels are part of their contact: editing them is editing the contact, with
    the contact admin's (organization-aware) permissions."""

    extra = 0
    readonly_fields = ("created_at", "updated_at")

    def _contact_admin(self):
        return self.admin_site._registry[Contact]

    def has_view_permission(self, request, obj=None):
        return self._contact_admin().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self._contact_admin().has_add_permission(request)
        return self._contact_admin().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class ContactEmailAddressInline(ChannelInline):
    model = ContactEmailAddress
    fields = ("email", "email_type", "is_primary")


class ContactPhoneNumberInline(ChannelInline):
    model = ContactPhoneNumber
    fields = ("phone_number", "phone_type", "is_primary")


class ContactAddressInline(ChannelInline):
    model = ContactAddress
    fields = ("address", "address_type", "is_primary")
    raw_id_fields = ("address",)


@admin.register(Contact)
class ContactAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "organization", "linked_organization", "contact_type", "status")
    list_filter = ("status", "contact_type", "organization")
    list_select_related = ("organization", "linked_organization")
    search_fields = ("first_name", "last_name", "email_addresses__email", "title")
    raw_id_fields = ("organization", "linked_organization")
    readonly_fields = AUDIT_FIELDS
    inlines = [ContactEmailAddressInline, ContactPhoneNumberInline, ContactAddressInline]
    fieldsets = (
        (None, {"fields": ("organization", "first_name", "last_name", "title", "department")}),
        ("Classification", {"fields": ("contact_type", "status", "source", "tags")}),
        ("Links", {"fields": ("linked_organization",)}),
        ("Other Data", {"fields": ("notes", "custom_fields")}),
        AUDIT_FIELDSET,
    )
