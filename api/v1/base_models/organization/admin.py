from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin

from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET, OrganizationScopedAdminMixin
from rbac.access import has_perm_in_org, permissions_in_org

from .models import Organization, OrganizationMembership, OrganizationType
from .serializers import role_permissions


@admin.register(OrganizationType)
class OrganizationTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "updated_at", "updated_by")
    search_fields = ("name", "description")
    readonly_fields = AUDIT_FIELDS


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdminMixin, DraggableMPTTAdmin):
    organization_lookup = "pk"
    list_display = (
        "tree_actions",
        "indented_title",
        "code",
        "organization_type",
        "status",
        "currency",
    )
    list_display_links = ("indented_title",)
    list_filter = ("organization_type", "status", "currency")
    search_fields = ("name", "code")
    readonly_fields = AUDIT_FIELDS
    raw_id_fields = (
        "parent",
        "primary_contact",
        "primary_address",
        "currency",
        "organization_type",
    )
    fieldsets = (
        (None, {"fields": ("name", "code", "organization_type", "status", "parent")}),
        ("Dates", {"fields": ("effective_date", "end_date")}),
        ("Primary Links", {"fields": ("primary_contact", "primary_address")}),
        ("Localization", {"fields": ("timezone", "currency", "language")}),
        ("Other Data", {"fields": ("tags", "metadata", "custom_fields")}),
        AUDIT_FIELDSET,
    )

    def get_object_organization(self, obj):
        return obj.pk

    # As in the API: placing an organization under a parent needs the add permission
    # there, and the top level needs the global add permission.
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        parent = form.base_fields.get("parent")
        if parent is not None and not self._global(request, "add"):
            current = obj.parent_id if obj is not None else None
            parent.queryset = parent.queryset.filter(
                Q(pk__in=self._organizations(request, "add")) | Q(pk=current)
            )
            # A new organization, or one with a parent, may not be made top-level.
            parent.required = obj is None or current is not None
        return form

    def changelist_view(self, request, *args, **kwargs):
        if (
            request.method == "POST"
            and request.POST.get("cmd") == "move_node"
            and not self._global(request, "add")
            and not self._may_drop(request)
        ):
            self.message_user(request, _("No permission"), level=messages.ERROR)
            return HttpResponse("FAIL, no permission.")
        return super().changelist_view(request, *args, **kwargs)

    def _may_drop(self, request) -> bool:
        """A drag and drop in the tree is a move: the add permission in the new parent."""
        pasted_on = request.POST.get("pasted_on", "")
        target = (
            self.get_queryset(request).filter(pk=pasted_on).first() if pasted_on.isdigit() else None
        )
        if target is None:
            return True  # django-mptt answers "objects have disappeared"
        parent = target if request.POST.get("position") == "last-child" else target.parent
        return parent is not None and has_perm_in_org(request.user, self._perm("add"), parent)


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active", "updated_at")
    list_filter = ("is_active", "role", "organization")
    search_fields = ("user__username", "organization__name", "organization__code", "role__name")
    list_select_related = ("user", "organization", "role")
    raw_id_fields = ("user", "organization")
    list_editable = ("role", "is_active")
    readonly_fields = AUDIT_FIELDS

    def save_model(self, request, obj, form, change):
        # As in the API: nobody grants more than they hold in the organization.
        if not request.user.is_superuser:
            held = permissions_in_org(request.user, obj.organization_id)
            previous = OrganizationMembership.objects.filter(pk=obj.pk).first() if change else None
            for role in filter(None, (obj.role, previous and previous.role)):
                if role_permissions(role) - held:
                    raise PermissionDenied(
                        f"The role {role} has permissions you do not hold in {obj.organization}."
                    )
        super().save_model(request, obj, form, change)
