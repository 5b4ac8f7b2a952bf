from django.contrib import admin, messages
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin

from api.base.admin import OrganizationScopedAdminMixin
from api.v1.base_models.common.models import Address
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET

from . import services
from .models import NAME_TAKEN, StockLocation, Warehouse, name_taken, parent_error


@admin.register(Warehouse)
class WarehouseAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "organization", "warehouse_type", "address", "is_active")
    # Only the organizations of the listed (visible) warehouses are offered.
    list_filter = (
        ("organization", admin.RelatedOnlyFieldListFilter),
        "warehouse_type",
        "is_active",
    )
    search_fields = ("code", "name", "address__city", "address__postal_code")
    list_select_related = ("organization", "address")
    raw_id_fields = ("organization",)
    autocomplete_fields = ("address",)
    readonly_fields = AUDIT_FIELDS
    fieldsets = (
        (None, {"fields": ("organization", ("code", "name"), "warehouse_type", "is_active")}),
        ("Location", {"fields": ("address",)}),
        ("Extended Data", {"classes": ("collapse",), "fields": ("tags", "custom_fields")}),
        AUDIT_FIELDSET,
    )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        field = form.base_fields.get("address")
        if field is not None:
            # A warehouse's address is its own: an address nothing else uses, or the
            # current one (never another tenant's).
            current = obj.address_id if obj is not None else None
            field.queryset = Address.objects.filter(
                Q(pk__in=services.unattached_addresses().values("pk")) | Q(pk=current)
            )
        return form

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("address") if change else None
        super().save_model(request, obj, form, change)
        if change and previous != obj.address_id:
            services.discard_address(previous)


@admin.register(StockLocation)
class StockLocationAdmin(OrganizationScopedAdminMixin, DraggableMPTTAdmin):
    """The locations as draggable trees. The organization follows the warehouse; the
    warehouse is chosen once; a parent (also by drag and drop) is a location of the
    same warehouse."""

    list_display = (
        "tree_actions",
        "indented_title",
        "warehouse",
        "barcode",
        "location_type",
        "is_active",
    )
    list_display_links = ("indented_title",)
    list_filter = (
        ("warehouse", admin.RelatedOnlyFieldListFilter),
        "location_type",
        "is_active",
    )
    list_select_related = ("warehouse",)
    search_fields = ("name", "barcode", "warehouse__name", "warehouse__code")
    autocomplete_fields = ("warehouse", "parent")
    readonly_fields = AUDIT_FIELDS
    fieldsets = (
        (
            None,
            {"fields": ("warehouse", "parent", "name", "barcode", "location_type", "is_active")},
        ),
        ("Custom Data", {"classes": ("collapse",), "fields": ("custom_fields",)}),
        AUDIT_FIELDSET,
    )

    @admin.display(description=_("name"))
    def indented_title(self, item):
        # The warehouse has its own column.
        return format_html(
            '<div style="text-indent:{}px">{}</div>',
            item.level * self.mptt_level_indent,
            item.name,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "warehouse") if obj is not None else fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # As in the API: a new location goes into a warehouse of an organization where
        # the role may add locations; its parent is a location the role may see.
        warehouse = form.base_fields.get("warehouse")
        if warehouse is not None and not self._global(request, "add"):
            warehouse.queryset = warehouse.queryset.filter(
                organization__in=self._organizations(request, "add")
            )
        parent = form.base_fields.get("parent")
        if parent is not None and not (
            self._global(request, "view") or self._global(request, "change")
        ):
            parent.queryset = parent.queryset.filter(
                organization__in=self._organizations(request, "view", "change")
            )
        return form

    def changelist_view(self, request, *args, **kwargs):
        if request.method == "POST" and request.POST.get("cmd") == "move_node":
            refusal = self._drop_refusal(request)
            if refusal is not None:
                self.message_user(request, refusal, level=messages.ERROR)
                return HttpResponse("FAIL, invalid move.")
        return super().changelist_view(request, *args, **kwargs)

    def _drop_refusal(self, request):
        """Why a drag and drop cannot be done, or None (django-mptt answers unknown
        nodes and missing permissions itself)."""
        queryset = self.get_queryset(request)
        ids = [request.POST.get("cut_item", ""), request.POST.get("pasted_on", "")]
        if not all(value.isdigit() for value in ids):
            return None
        cut_item = queryset.filter(pk=ids[0]).first()
        target = queryset.filter(pk=ids[1]).first()
        if cut_item is None or target is None:
            return None
        parent = target if request.POST.get("position") == "last-child" else target.parent
        message = parent_error(cut_item, parent, cut_item.warehouse_id)
        if message is None and name_taken(
            cut_item.warehouse_id, parent, cut_item.name, exclude=cut_item
        ):
            message = NAME_TAKEN
        return message

    def delete_selected_tree(self, modeladmin, request, queryset):
        # Deleted one by one: a location whose sub-locations are not deleted first is
        # protected. Nothing is deleted then, and the page says why.
        try:
            with transaction.atomic():
                return super().delete_selected_tree(modeladmin, request, queryset)
        except ProtectedError as exc:
            self.message_user(request, exc.args[0], level=messages.ERROR)
            return None
