"""Admin building blocks shared by the apps."""

import inspect

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django_fsm.admin import FSMAdminMixin
from rest_framework.exceptions import APIException

from rbac.access import has_perm_in_org, organizations_with_perm

from .models import CustomFieldDefinition
from .workflows import run_transition, state_fields, transition_names

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
AUDIT_FIELDSET = ("Audit Info", {"classes": ("collapse",), "fields": AUDIT_FIELDS})


class OrganizationScopedAdminMixin:
    """The Admin of organization-bound records, for staff without global permissions:
    they see and edit the records of the organizations where their role holds the
    model's permissions, and can only pick those organizations. Superusers and staff
    with the global (Django) permission are not restricted."""

    organization_lookup = "organization"

    def get_object_organization(self, obj):
        return obj.organization_id

    def _perm(self, verb: str) -> str:
        return f"{self.opts.app_label}.{verb}_{self.opts.model_name}"

    def _global(self, request, verb: str) -> bool:
        return request.user.has_perm(self._perm(verb))

    def _organizations(self, request, *verbs: str) -> set[int]:
        found = set()
        for verb in verbs:
            found.update(organizations_with_perm(request.user, self._perm(verb)) or [])
        return found

    def _allowed(self, request, obj, *verbs: str) -> bool:
        if any(self._global(request, verb) for verb in verbs):
            return True
        if obj is None:
            return bool(self._organizations(request, *verbs))
        organization = self.get_object_organization(obj)
        return any(has_perm_in_org(request.user, self._perm(verb), organization) for verb in verbs)

    def has_module_permission(self, request):
        return self._allowed(request, None, "view", "change", "add", "delete")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj, "view", "change")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj, "delete")

    def has_add_permission(self, request, *args):
        return self._allowed(request, None, "add")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._global(request, "view") or self._global(request, "change"):
            return queryset
        organizations = self._organizations(request, "view", "change")
        return queryset.filter(**{f"{self.organization_lookup}__in": organizations})

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # As in the API: a new record goes where the role may add, a record moves only
        # where it may change.
        verb = "add" if obj is None else "change"
        field = form.base_fields.get("organization")
        if field is not None and hasattr(field, "queryset") and not self._global(request, verb):
            field.queryset = field.queryset.filter(pk__in=self._organizations(request, verb))
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        restricted = not (self._global(request, "add") or self._global(request, "change"))
        if db_field.name == "organization" and field is not None and restricted:
            field.queryset = field.queryset.filter(
                pk__in=self._organizations(request, "add", "change")
            )
        return field


class WorkflowAdminMixin(FSMAdminMixin):
    """django-fsm-2's transition buttons on the change form (the protected state field
    is read-only there), run through core.workflows.run_transition: the transition's
    permission and conditions are checked when the button is pressed, not only when
    the buttons are drawn, and the audit log records the transition."""

    fsm_post_param = "_fsm_transition_to"

    def get_help_text(self, transition):
        # The button's tooltip: the transition's own help_text, else its docstring.
        return transition.custom.get("help_text") or inspect.getdoc(transition.method)

    def response_change(self, request, obj):
        name = request.POST.get(self.fsm_post_param)
        if name and name not in transition_names(type(obj)):
            self.message_user(request, _("No such transition: %s.") % name, messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        try:
            run_transition(
                obj, transition_name, user=request.user, reason=(kwargs or {}).get("reason", "")
            )
        except APIException as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return False
        field = state_fields(type(obj))[0]
        self.message_user(
            request,
            _("%(transition)s: done, the %(field)s is now %(state)s.")
            % {
                "transition": transition_name.replace("_", " ").capitalize(),
                "field": field.verbose_name.lower(),
                "state": repr(field.get_state(obj)),
            },
            messages.SUCCESS,
        )
        return True


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ("key", "content_type", "organization", "field_type", "required", "is_active")
    list_filter = ("content_type", "field_type", "required", "is_active")
    search_fields = ("key", "label")
    list_select_related = ("content_type", "organization")
    raw_id_fields = ("organization",)
    readonly_fields = AUDIT_FIELDS
