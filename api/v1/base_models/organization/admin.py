import copy
import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS, AUDIT_FIELDSET
from rbac.access import has_perm_in_org, permissions_in_org

from . import services
from .choices import InvitationStatus
from .models import Organization, OrganizationInvitation, OrganizationMembership, OrganizationType
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


class OrganizationMembershipForm(forms.ModelForm):
    """The membership form (change page and list rows): the last administrator of an
    organization cannot be deactivated, demoted or moved (the model refuses it too; here
    it is a form error rather than a failed save)."""

    class Meta:
        model = OrganizationMembership
        fields = ("user", "organization", "role", "is_active")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.errors:
            return cleaned
        candidate = copy.copy(self.instance)
        for name in ("user", "organization", "role", "is_active"):
            if name in cleaned:
                setattr(candidate, name, cleaned[name])
        try:
            with transaction.atomic(using=router.db_for_write(OrganizationMembership)):
                services.guard_administrator_change(candidate)
        except services.LastAdministrator as exc:
            raise forms.ValidationError(str(exc.detail), code="last_administrator") from None
        return cleaned


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    form = OrganizationMembershipForm
    list_display = ("user", "organization", "role", "is_active", "updated_at")
    list_filter = ("is_active", "role", "organization")
    search_fields = ("user__username", "organization__name", "organization__code", "role__name")
    list_select_related = ("user", "organization", "role")
    raw_id_fields = ("user", "organization")
    list_editable = ("role", "is_active")
    readonly_fields = AUDIT_FIELDS

    def get_readonly_fields(self, request, obj=None):
        # As in the API, a membership never changes hands.
        fields = super().get_readonly_fields(request, obj)
        return ("user", *fields) if obj is not None else fields

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", OrganizationMembershipForm)
        return super().get_changelist_form(request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # As in the API: staff whose rights come from their roles add only users who
        # already share one of their organizations; anybody else is invited.
        if db_field.name == "user" and field is not None and not self._global(request, "add"):
            field.queryset = services.colleagues_of(request.user)
        return field

    # The last administrator of an organization cannot be deleted: said on the page
    # rather than failing the deletion.
    def _refusal(self, memberships) -> str | None:
        try:
            with transaction.atomic(using=router.db_for_write(OrganizationMembership)):
                services.guard_administrator_removal(memberships)
        except services.LastAdministrator as exc:
            return str(exc.detail)
        return None

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        refusal = None
        if obj is not None and self.has_delete_permission(request, obj):
            refusal = self._refusal([obj])
        if refusal is not None:
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(
                reverse(
                    f"{self.admin_site.name}:organization_organizationmembership_change",
                    args=[obj.pk],
                )
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            delete_selected, name, description = actions["delete_selected"]

            @functools.wraps(delete_selected)
            def guarded(modeladmin, request, queryset):
                refusal = self._refusal(list(queryset))
                if refusal is not None:
                    self.message_user(request, refusal, messages.ERROR)
                    return None
                return delete_selected(modeladmin, request, queryset)

            actions["delete_selected"] = (guarded, name, description)
        return actions

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(OrganizationMembership)):
            services.guard_administrator_removal(list(queryset))
            super().delete_queryset(request, queryset)

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


@admin.register(OrganizationInvitation)
class OrganizationInvitationAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Invitations, to look at and revoke. They are created, resent and answered through
    the API (the email with the token is sent from there); their rights are those of
    adding members to the organization."""

    list_display = ("email", "organization", "role", "status", "expires_at", "invited_by")
    list_filter = ("status", "organization", "role")
    search_fields = ("email", "organization__name", "organization__code", "role__name")
    list_select_related = ("organization", "role", "invited_by")
    readonly_fields = (
        "organization",
        "email",
        "role",
        "status",
        "expires_at",
        "invited_by",
        "sent_at",
        "send_count",
        "accepted_at",
        "accepted_by",
        "membership",
        *AUDIT_FIELDS,
    )
    fields = readonly_fields
    actions = ["revoke"]

    def _perm(self, verb: str) -> str:
        # Every right on invitations is the right to add members.
        return "organization.add_organizationmembership"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return self._allowed(request, None, "add")

    @admin.action(description=_("Revoke the selected invitations"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for invitation in queryset:
            if invitation.effective_status in (
                InvitationStatus.PENDING,
                InvitationStatus.EXPIRED,
            ) and self._allowed(request, invitation, "add"):
                services.revoke_invitation(invitation)
                revoked += 1
        self.message_user(request, _("%(count)d invitation(s) revoked.") % {"count": revoked})
