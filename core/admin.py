"""Admin building blocks of the platform that need nothing but core: the audit fields
of a change form, workflow buttons, and the Admin of custom field definitions. The
Admin of organization data (scoped rows, choices and inlines) is api.base.admin."""

import inspect

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django_fsm.admin import FSMAdminMixin
from rest_framework.exceptions import APIException

from .models import CustomFieldDefinition
from .workflows import run_transition, state_fields, transition_names

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
AUDIT_FIELDSET = ("Audit Info", {"classes": ("collapse",), "fields": AUDIT_FIELDS})


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
