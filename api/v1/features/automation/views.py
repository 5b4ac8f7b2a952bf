from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base.views import OrganizationScopedViewSetMixin, ScopedModelViewSet
from core.conditional import ConditionalReadMixin
from core.registry import organization_id_of
from rbac.access import organizations_with_perm, visible_to
from rbac.permissions import model_permission

from . import actions as action_types
from . import services
from .filters import AutomationLogFilter, AutomationRuleFilter
from .models import AutomationLog, AutomationRule, RuleAction, RuleCondition
from .serializers import (
    ActionTypeSerializer,
    AutomationLogSerializer,
    AutomationRuleSerializer,
    SimulateSerializer,
)

SIMULATION = inline_serializer(
    "AutomationSimulation",
    fields={
        "matched": serializers.BooleanField(),
        "conditions": serializers.ListField(child=serializers.DictField()),
        "reason": serializers.CharField(),
        "actions": serializers.ListField(child=serializers.DictField()),
    },
)
SIMULATE_EXAMPLE = OpenApiExample(
    "A status change",
    value={"record": "7", "before": {"status": "DRAFT"}},
    request_only=True,
)


class AutomationRuleViewSet(ScopedModelViewSet):
    """Automation rules of your organizations: when a record of a model is created,
    updated, deleted or transitioned (or on a schedule, or at a time relative to a date
    of the record), check the conditions, then run the actions in order, as the rule's
    owner (whoever last saved it). Conditions and actions are written with the rule, in
    one request (a list given replaces the rule's). `POST .../{id}/simulate/` tries a
    rule on a record, changing and calling nothing."""

    schema_tags = ["automation"]

    queryset = AutomationRule.objects.select_related(
        "organization", "owner", "content_type"
    ).prefetch_related("conditions", "actions")
    serializer_class = AutomationRuleSerializer
    filterset_class = AutomationRuleFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "trigger", "created_at", "updated_at"]
    json_filter_fields = ("organization", "name", "is_active", "trigger", "created_at")
    permission_verbs = {"simulate": "change", "simulate_unsaved": "change", "secret": "change"}

    @extend_schema(
        summary="Read the rule's webhook secret",
        request=None,
        responses={
            200: inline_serializer(
                "AutomationRuleSecret", fields={"secret": serializers.CharField()}
            )
        },
    )
    @action(detail=True, methods=["get"])
    def secret(self, request, pk=None):
        """The secret the rule's webhooks are signed with, for their receivers to check
        the signatures (those who may change the rule only)."""
        return Response({"secret": self.get_object().secret})

    def _record(self, rule, record_id):
        """The record of the rule's model and organization `record_id` names, if the
        caller may see it (400 otherwise)."""
        model = rule.content_type.model_class()
        try:
            record = visible_to(model, self.request.user).filter(pk=record_id).first()
        except (ValueError, TypeError, DjangoValidationError):
            record = None
        if record is None or organization_id_of(record) != rule.organization_id:
            raise serializers.ValidationError(
                {
                    "record": [
                        _("No record %(id)s of this rule's model and organization that you see.")
                        % {"id": str(record_id)[:64]}
                    ]
                }
            )
        return record

    @extend_schema(
        summary="Try a rule on a record",
        request=SimulateSerializer,
        responses={200: SIMULATION, 400: OpenApiResponse(description="Unknown record.")},
        examples=[SIMULATE_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def simulate(self, request, pk=None):
        """Which of the rule's conditions hold on the record (with `before` as its values
        before a change) and what each action would do; nothing is changed or called."""
        rule = self.get_object()
        body = SimulateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = self._record(rule, body.validated_data["record"])
        result = services.simulate(
            rule,
            list(rule.conditions.all()),
            list(rule.actions.all()),
            record=record,
            before=body.validated_data.get("before"),
        )
        return Response(result)

    @extend_schema(
        summary="Try an unsaved rule on a record",
        operation_id="automations_rules_simulate_unsaved",
        request=inline_serializer(
            "AutomationUnsavedSimulation",
            fields={
                "rule": AutomationRuleSerializer(),
                "record": serializers.CharField(),
                "before": serializers.DictField(required=False),
            },
        ),
        responses={200: SIMULATION, 400: OpenApiResponse(description="An invalid rule.")},
    )
    @action(detail=False, methods=["post"], url_path="simulate")
    def simulate_unsaved(self, request):
        """As `{id}/simulate/`, for a rule given in full in `rule` (not saved)."""
        if organizations_with_perm(request.user, model_permission(AutomationRule, "change")) == []:
            raise PermissionDenied(_("Your roles do not allow you to change automation rules."))
        payload = request.data if isinstance(request.data, dict) else {}
        rule_serializer = self.get_serializer(data=payload.get("rule"))
        rule_serializer.is_valid(raise_exception=True)
        body = SimulateSerializer(data={k: v for k, v in payload.items() if k != "rule"})
        body.is_valid(raise_exception=True)
        data = dict(rule_serializer.validated_data)
        organization = data["organization"]
        self.check_organization_permission("change", organization)
        rule = AutomationRule(
            organization=organization,
            owner=request.user,
            content_type=data["content_type"],
            trigger=data["trigger"],
            name=data.get("name", ""),
            condition_logic=data.get("condition_logic", "all"),
        )
        record = self._record(rule, body.validated_data["record"])
        conditions = [RuleCondition(**each) for each in data.get("conditions", [])]
        rule_actions = [
            RuleAction(order=index, **each) for index, each in enumerate(data.get("actions", []))
        ]
        return Response(
            services.simulate(
                rule,
                conditions,
                rule_actions,
                record=record,
                before=body.validated_data.get("before"),
            )
        )


class AutomationLogViewSet(
    ConditionalReadMixin, OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    """What rules did: one log per evaluation of a rule on a record (the trigger, whether
    the conditions held and which did not, each action's status, output or error, a
    webhook's response code), kept AUTOMATION_LOG_RETENTION_DAYS days."""

    schema_tags = ["automation"]

    queryset = AutomationLog.objects.select_related("organization", "content_type")
    serializer_class = AutomationLogSerializer
    filterset_class = AutomationLogFilter
    ordering_fields = ["created_at", "status", "duration_ms"]
    json_filter_fields = ("status", "trigger", "matched", "rule", "object_id", "created_at")


class ActionTypesView(APIView):
    """The action types rules may use, each with the JSON schema of its parameters."""

    permission_classes = [IsAuthenticated]
    schema_tags = ["automation"]

    @extend_schema(
        summary="List the action types",
        responses={200: ActionTypeSerializer(many=True)},
        tags=["automation"],
    )
    def get(self, request):
        return Response(
            [
                {
                    "name": kind.name,
                    "label": kind.label,
                    "description": kind.description,
                    "parameters": parameter_schema(kind.parameters()),
                }
                for kind in action_types.action_types()
            ]
        )


def parameter_schema(serializer) -> dict:
    """A JSON schema of an action type's parameters, from its serializer."""
    properties, required = {}, []
    for name, field in serializer.fields.items():
        properties[name] = _field_schema(field)
        if field.required:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


def _field_schema(field) -> dict:
    kinds = {
        serializers.BooleanField: {"type": "boolean"},
        serializers.IntegerField: {"type": "integer"},
        serializers.URLField: {"type": "string", "format": "uri"},
        serializers.CharField: {"type": "string"},
        serializers.DictField: {"type": "object"},
        serializers.JSONField: {},
    }
    if isinstance(field, serializers.ChoiceField):
        found = {"type": "string", "enum": list(field.choices)}
    elif isinstance(field, serializers.ListField):
        found = {"type": "array", "items": _field_schema(field.child)}
    else:
        found = next((dict(each) for kind, each in kinds.items() if isinstance(field, kind)), {})
    if field.help_text:
        found["description"] = str(field.help_text)
    default = getattr(field, "default", serializers.empty)
    if default is not serializers.empty and not callable(default):
        found["default"] = default
    return found
