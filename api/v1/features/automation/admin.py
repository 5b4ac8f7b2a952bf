from django.contrib import admin

from api.base.admin import OrganizationScopedAdminMixin
from core.admin import AUDIT_FIELDS

from .models import AutomationLog, AutomationRule, RuleAction, RuleCondition


class _ReadOnlyInline(admin.TabularInline):
    """Conditions and actions are checked as a whole with their rule: written through
    the API (POST/PUT /api/v1/automations/rules/), shown here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RuleConditionInline(_ReadOnlyInline):
    model = RuleCondition
    fields = ("order", "definition", "description")
    readonly_fields = fields


class RuleActionInline(_ReadOnlyInline):
    model = RuleAction
    fields = ("order", "action_type", "parameters", "signing", "continue_on_failure")
    readonly_fields = fields


@admin.register(AutomationRule)
class AutomationRuleAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """Automation rules: enabled and disabled here (and renamed); their trigger,
    conditions and actions are written through the API, which checks them as a whole."""

    list_display = (
        "name",
        "organization",
        "content_type",
        "trigger",
        "is_active",
        "owner",
        "consecutive_failures",
        "updated_at",
    )
    list_editable = ("is_active",)
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "trigger", "is_active")
    search_fields = ("name", "description")
    list_select_related = ("organization", "content_type", "owner")
    fields = (
        "organization",
        "name",
        "description",
        "is_active",
        "owner",
        "content_type",
        "trigger",
        "trigger_fields",
        "schedule",
        "date_field",
        "offset",
        "condition_logic",
        "next_run_at",
        "last_run_at",
        "consecutive_failures",
        "disabled_reason",
        *AUDIT_FIELDS,
    )
    readonly_fields = tuple(
        name for name in fields if name not in ("name", "description", "is_active")
    )
    inlines = (RuleConditionInline, RuleActionInline)

    def has_add_permission(self, request):
        return False  # a rule is checked as a whole: created through the API


@admin.register(AutomationLog)
class AutomationLogAdmin(OrganizationScopedAdminMixin, admin.ModelAdmin):
    """What rules did, read-only."""

    list_display = (
        "created_at",
        "rule_name",
        "organization",
        "trigger",
        "content_type",
        "object_id",
        "matched",
        "status",
        "duration_ms",
    )
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "status", "trigger")
    search_fields = ("rule_name", "object_id", "request_id", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "content_type")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
