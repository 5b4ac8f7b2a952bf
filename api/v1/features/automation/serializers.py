from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.base.serializers import ScopedModelSerializer
from core.filtering import InvalidFilterError
from rbac.fields import field_restrictions

from . import actions as action_types
from . import schedules, webhooks
from .choices import Trigger
from .models import AutomationLog, AutomationRule, RuleAction, RuleCondition
from .services import compile_rule
from .targets import watchable

MAX_CONDITIONS = 20
MAX_ACTIONS = 20


@extend_schema_field(OpenApiTypes.STR)
class ModelLabelField(serializers.Field):
    """A model rules may watch, as "app_label.model"."""

    default_error_messages = {
        "invalid": _('"%(value)s" is not a model rules can watch ("app_label.model").'),
    }

    def to_internal_value(self, data):
        model = None
        if isinstance(data, str):
            try:
                model = apps.get_model(data)
            except (LookupError, ValueError):
                model = None
        if model is None or not watchable(model):
            self.fail("invalid", value=str(data)[:100])
        return ContentType.objects.get_for_model(model)

    def to_representation(self, value):
        return f"{value.app_label}.{value.model}"


class RuleConditionSerializer(serializers.ModelSerializer):
    definition = serializers.JSONField(
        help_text="A node of the filter language: a condition {field, op, value} (with "
        '"before.<field>" paths and the operators changed, changed_from, changed_to, '
        "increased_by, decreased_by) or an and/or/not group."
    )

    class Meta:
        model = RuleCondition
        fields = ["id", "definition", "description"]


class RuleActionSerializer(serializers.ModelSerializer):
    action_type = serializers.ChoiceField(
        choices=[(each.name, each.label) for each in action_types.action_types()],
        help_text="One of GET /api/v1/automations/actions/.",
    )
    parameters = serializers.JSONField(
        required=False, help_text="The action type's parameters (see its `parameters` schema)."
    )

    class Meta:
        model = RuleAction
        fields = ["id", "action_type", "parameters", "signing", "continue_on_failure"]


class AutomationRuleSerializer(ScopedModelSerializer):
    model = ModelLabelField(source="content_type")
    owner = serializers.CharField(
        source="owner.username",
        read_only=True,
        default=None,
        help_text="Actions run with this user's permissions: whoever last saved the rule.",
    )
    conditions = RuleConditionSerializer(many=True, required=False)
    actions = RuleActionSerializer(many=True, required=False)
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Signs the rule's webhooks (read it at secret/); one is made when a rule "
        "with a webhook has none.",
    )
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = AutomationRule
        fields = [
            "id",
            "organization",
            "organization_name",
            "name",
            "description",
            "is_active",
            "owner",
            "model",
            "trigger",
            "trigger_fields",
            "schedule",
            "date_field",
            "offset",
            "condition_logic",
            "conditions",
            "actions",
            "secret",
            "has_secret",
            "next_run_at",
            "last_run_at",
            "consecutive_failures",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "next_run_at",
            "last_run_at",
            "consecutive_failures",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]

    def get_has_secret(self, rule) -> bool:
        return bool(rule.secret)

    # ------------------------------------------------------------------ validation
    def _value(self, attrs, name, default=None):
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, default) if self.instance is not None else default

    def validate(self, attrs):
        attrs = super().validate(attrs)
        content_type = self._value(attrs, "content_type")
        trigger = self._value(attrs, "trigger")
        organization = self._value(attrs, "organization")
        model = content_type.model_class()
        errors = {}
        self._validate_trigger(attrs, model, trigger, errors)
        rule = AutomationRule(
            organization=organization,
            content_type=content_type,
            trigger=trigger,
            condition_logic=self._value(attrs, "condition_logic"),
        )
        conditions = attrs.get("conditions")
        if conditions is None and self.instance is not None:
            conditions = [
                {"definition": each.definition} for each in self.instance.conditions.all()
            ]
        if len(conditions or []) > MAX_CONDITIONS:
            errors["conditions"] = [_("At most %(n)d conditions.") % {"n": MAX_CONDITIONS}]
        else:
            try:
                compiled = compile_rule(rule, [each["definition"] for each in conditions or []])
            except InvalidFilterError as exc:
                errors["conditions"] = [str(exc)]
            else:
                hidden = field_restrictions(self.context["request"], model, organization)[0]
                read = sorted(compiled.fields() & hidden)
                if read:
                    errors["conditions"] = [
                        _("Your role may not read %(fields)s: a rule cannot test them.")
                        % {"fields": ", ".join(read)}
                    ]
        if "actions" in attrs:
            self._validate_actions(attrs, rule, errors)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _validate_trigger(self, attrs, model, trigger, errors):
        schedule = self._value(attrs, "schedule", "")
        date_field = self._value(attrs, "date_field", "")
        offset = self._value(attrs, "offset", "")
        trigger_fields = self._value(attrs, "trigger_fields", []) or []
        if trigger == Trigger.SCHEDULE:
            try:
                attrs["schedule"] = schedules.validate_cron(schedule or "")
            except schedules.InvalidSchedule as exc:
                errors["schedule"] = [str(exc)]
        elif schedule:
            errors["schedule"] = [_("Only schedule rules have a schedule.")]
        if trigger == Trigger.RELATIVE_TIME:
            field = None
            try:
                field = model._meta.get_field(date_field or "")
            except Exception:  # FieldDoesNotExist, or no name
                field = None
            if not isinstance(field, models.DateField):  # DateTimeField is a DateField
                names = [
                    each.name
                    for each in model._meta.concrete_fields
                    if isinstance(each, models.DateField)
                ]
                errors["date_field"] = [
                    _("A date or date-time field of the model: %(names)s.")
                    % {"names": ", ".join(names) or "none"}
                ]
            try:
                schedules.parse_offset(offset or "")
            except schedules.InvalidSchedule as exc:
                errors["offset"] = [str(exc)]
        elif date_field or offset:
            errors["date_field"] = [_("Only relative time rules have a date field and offset.")]
        if trigger_fields:
            if trigger not in (Trigger.UPDATED, Trigger.TRANSITIONED):
                errors["trigger_fields"] = [_("Only update and transition rules watch fields.")]
            elif not isinstance(trigger_fields, list) or not all(
                isinstance(each, str) for each in trigger_fields
            ):
                errors["trigger_fields"] = [_("A list of field names.")]
            else:
                known = {each.name for each in model._meta.concrete_fields}
                unknown = sorted(set(trigger_fields) - known)
                if unknown:
                    errors["trigger_fields"] = [
                        _("Not fields of the model: %(names)s.") % {"names": ", ".join(unknown)}
                    ]

    def _validate_actions(self, attrs, rule, errors):
        found = []
        if len(attrs["actions"]) > MAX_ACTIONS:
            errors["actions"] = [_("At most %(n)d actions.") % {"n": MAX_ACTIONS}]
            return
        for action in attrs["actions"]:
            kind = action_types.get(action["action_type"])
            try:
                action["parameters"] = kind.validate(rule, action.get("parameters") or {})
            except serializers.ValidationError as exc:
                found.append({"parameters": exc.detail})
            else:
                found.append({})
        if any(found):
            errors["actions"] = found

    # ----------------------------------------------------------------------- saving
    def _save_children(self, rule, conditions, actions_data):
        if conditions is not None:
            rule.conditions.all().delete()
            RuleCondition.objects.bulk_create(
                RuleCondition(rule=rule, order=index, **each)
                for index, each in enumerate(conditions)
            )
        if actions_data is not None:
            rule.actions.all().delete()
            RuleAction.objects.bulk_create(
                RuleAction(rule=rule, order=index, **each)
                for index, each in enumerate(actions_data)
            )
        if not rule.secret and rule.actions.filter(action_type="webhook").exists():
            rule.secret = webhooks.new_secret()
            rule.save(update_fields=["secret"])

    def create(self, validated_data):
        conditions = validated_data.pop("conditions", [])
        actions_data = validated_data.pop("actions", [])
        validated_data["owner"] = self.context["request"].user
        with transaction.atomic():
            rule = super().create(validated_data)
            self._save_children(rule, conditions, actions_data)
        return rule

    def update(self, instance, validated_data):
        conditions = validated_data.pop("conditions", None)
        actions_data = validated_data.pop("actions", None)
        validated_data["owner"] = self.context["request"].user
        with transaction.atomic():
            rule = super().update(instance, validated_data)
            self._save_children(rule, conditions, actions_data)
            if rule.is_active and rule.disabled_reason:
                AutomationRule.objects.filter(pk=rule.pk).update(
                    disabled_reason="", consecutive_failures=0
                )
                rule.disabled_reason, rule.consecutive_failures = "", 0
        return rule


class SimulateSerializer(serializers.Serializer):
    record = serializers.CharField(max_length=64, help_text="The id of the record to try it on.")
    before = serializers.DictField(
        required=False,
        help_text="Values of the record's fields before a change (the others as they are): "
        "for before. paths and change operators.",
    )


class AutomationLogSerializer(serializers.ModelSerializer):
    rule = serializers.PrimaryKeyRelatedField(read_only=True)
    model = serializers.SerializerMethodField()

    class Meta:
        model = AutomationLog
        fields = [
            "id",
            "organization",
            "rule",
            "rule_name",
            "trigger",
            "model",
            "object_id",
            "request_id",
            "changes",
            "matched",
            "conditions",
            "reason",
            "status",
            "action_logs",
            "depth",
            "duration_ms",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_model(self, log) -> str:
        return f"{log.content_type.app_label}.{log.content_type.model}"


class ActionTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    parameters = serializers.DictField(help_text="The JSON schema of its parameters.")
