from django.contrib import admin

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET, WorkflowAdminMixin

from .models import Product


@admin.register(Product)
class ProductAdmin(WorkflowAdminMixin, OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Products, with the workflow's transitions as buttons under the form (the status
    itself is read-only)."""

    fsm_fields = ["status"]
    list_display = (
        "sku",
        "name",
        "organization",
        "category",
        "product_type",
        "status",
        "base_uom",
        "is_inventory_tracked",
        "updated_at",
    )
    list_filter = ("organization", "product_type", "status", "category", "is_inventory_tracked")
    search_fields = ("sku", "name", "description", "category__name")
    list_select_related = ("organization", "category", "base_uom")
    readonly_fields = AUDIT_FIELDS
    autocomplete_fields = ["category", "base_uom"]
    fieldsets = (
        (None, {"fields": ("organization", ("sku", "name"), "status")}),
        ("Classification", {"fields": ("product_type", "category", "tags")}),
        ("Details", {"fields": ("description", "base_uom")}),
        ("Flags", {"fields": ("is_inventory_tracked", "is_purchasable", "is_sellable")}),
        ("Extended Data", {"classes": ("collapse",), "fields": ("attributes", "custom_fields")}),
        AUDIT_FIELDSET,
    )
