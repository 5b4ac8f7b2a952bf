from django.contrib import admin
from mptt.admin import DraggableMPTTAdmin, MPTTModelAdmin

from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET

from .models import (
    Address,
    Category,
    Currency,
    Status,
    TaxCategory,
    TaxJurisdiction,
    TaxRate,
    UnitOfMeasure,
)

CUSTOM_FIELDSET = ("Custom Data", {"fields": ("custom_fields",)})


class ReferenceAdmin(admin.ModelAdmin):
    """Who created and changed a record is shown, never edited."""

    readonly_fields = AUDIT_FIELDS


@admin.register(Currency)
class CurrencyAdmin(ReferenceAdmin):
    list_display = ("code", "name", "symbol", "decimal_places", "is_active", "numeric_code")
    search_fields = ("code", "name", "numeric_code")
    list_filter = ("is_active",)
    fieldsets = (
        (None, {"fields": ("code", "name", "symbol", "numeric_code", "decimal_places")}),
        ("Availability", {"fields": ("is_active",)}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(Address)
class AddressAdmin(ReferenceAdmin):
    list_display = ("__str__", "city", "postal_code", "country", "status")
    search_fields = ("street_address_1", "street_address_2", "city", "postal_code")
    list_filter = ("status", "country")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "street_address_1",
                    "street_address_2",
                    "city",
                    "state_province",
                    "postal_code",
                    "country",
                    "status",
                )
            },
        ),
        ("Location", {"fields": ("latitude", "longitude")}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(Status)
class StatusAdmin(ReferenceAdmin):
    list_display = ("slug", "name", "category", "color", "updated_at")
    search_fields = ("slug", "name", "description", "category")
    list_filter = ("category",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("slug", "name", "description")}),
        ("Categorization", {"fields": ("category", "color")}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(ReferenceAdmin):
    list_display = ("code", "name", "uom_type", "symbol", "is_active", "updated_at")
    search_fields = ("code", "name", "symbol")
    list_filter = ("uom_type", "is_active")
    fieldsets = (
        (None, {"fields": ("code", "name", "symbol", "uom_type", "is_active")}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(Category)
class CategoryAdmin(DraggableMPTTAdmin):
    list_display = ("tree_actions", "indented_title", "slug", "category_type", "is_active")
    list_display_links = ("indented_title",)
    list_filter = ("category_type", "is_active")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = AUDIT_FIELDS
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "category_type", "parent")}),
        ("Availability", {"fields": ("is_active",)}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(TaxJurisdiction)
class TaxJurisdictionAdmin(MPTTModelAdmin):
    list_display = ("name", "code", "jurisdiction_type", "is_active")
    list_filter = ("jurisdiction_type", "is_active")
    search_fields = ("code", "name")
    readonly_fields = AUDIT_FIELDS
    fieldsets = (
        (None, {"fields": ("code", "name", "jurisdiction_type", "parent", "is_active")}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(TaxCategory)
class TaxCategoryAdmin(ReferenceAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "description")
    fieldsets = (
        (None, {"fields": ("code", "name", "description", "is_active")}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )


@admin.register(TaxRate)
class TaxRateAdmin(ReferenceAdmin):
    list_display = (
        "name",
        "jurisdiction",
        "tax_category",
        "tax_type",
        "rate",
        "priority",
        "is_compound",
        "valid_from",
        "valid_to",
        "is_active",
    )
    list_editable = ("rate", "is_active", "valid_to")
    list_filter = ("tax_type", "is_active", "is_compound", "tax_category")
    list_select_related = ("jurisdiction", "tax_category")
    search_fields = ("name", "jurisdiction__code", "jurisdiction__name")
    autocomplete_fields = ("jurisdiction",)
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("name", "jurisdiction", "tax_category", "tax_type")}),
        ("Rate", {"fields": ("rate", "is_compound", "priority")}),
        ("Validity", {"fields": ("valid_from", "valid_to", "is_active")}),
        CUSTOM_FIELDSET,
        AUDIT_FIELDSET,
    )
