"""Workflows: state machines on model fields (django-fsm-2), run the same way from the
API, the Admin and code.

A model gets a workflow with a state field and decorated methods:

    class Invoice(ConcurrentTransitionMixin, OrganizationScoped, BaseModel):
        status = FSMField(default="draft", choices=..., protected=True)

        @transition(
            field=status, source="draft", target="sent",
            conditions=[has_lines],                       # @condition("...") functions
            permission=org_permission("billing.send_invoice"),
        )
        def send(self, reason=""):
            ...

and its viewset gets the API with one line, `WorkflowViewSetMixin` in its bases:
`POST {id}/send/` for each transition (`reset_to_draft` -> `reset-to-draft/`) and
`GET {id}/available-transitions/`. `run_transition()` is what both the API and the
Admin call: permission, then state, then conditions, then the transition and the save
in one transaction. The audit log records every transition that is saved.
"""

import inspect
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, FSMFieldMixin
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from rbac.access import has_perm_in_org

from .exceptions import Conflict

REASON_MAX_LENGTH = 500


def condition(message):
    """Names a transition condition for the people it stops: a refused transition
    answers with this message (and the function's name)."""

    def decorate(function):
        function.message = message
        return function

    return decorate


def org_permission(perm: str):
    """A transition permission held through the user's role in the record's
    organization (rbac.has_perm_in_org), as every permission on organization data."""

    def check(instance, user) -> bool:
        return has_perm_in_org(user, perm, instance.organization_id)

    check.perm = perm
    return check


# ---------------------------------------------------------------------------------------
# What a model's workflow offers
# ---------------------------------------------------------------------------------------
def state_fields(model) -> list:
    return [field for field in model._meta.concrete_fields if isinstance(field, FSMFieldMixin)]


def transition_names(model) -> list[str]:
    """The names of the model's transition methods, in declaration order."""
    names = []
    for field in state_fields(model):
        for method in field.transitions.get(model, {}).values():
            if method.__name__ not in names:
                names.append(method.__name__)
    return names


@dataclass(frozen=True)
class FailedCondition:
    name: str
    message: str


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"


class TransitionConditionFailed(Conflict):
    default_code = "transition_condition_failed"

    def __init__(self, detail, failed: list[FailedCondition]):
        super().__init__(detail)
        self.failed = failed
        self.extra_data = {
            "conditions": [{"name": item.name, "message": item.message} for item in failed]
        }


class ConcurrentTransitionConflict(Conflict):
    default_code = "concurrent_transition"


def _meta_of(instance, name):
    method = getattr(type(instance), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise ValueError(f"{type(instance).__name__}.{name} is not a transition.")
    return meta


def _current_transition(instance, meta):
    state = meta.field.get_state(instance)
    return meta.get_transition(state) if meta.has_transition(state) else None


def may_run(instance, name: str, user) -> bool:
    """Whether `user` holds the permission of transition `name` on `instance` (whatever
    its state). Without a user (system work: tasks, commands) there is nothing to check."""
    if user is None:
        return True
    meta = _meta_of(instance, name)
    transition = _current_transition(instance, meta) or next(iter(meta.transitions.values()))
    return transition.has_perm(instance, user)


def failed_conditions(instance, name: str) -> list[FailedCondition]:
    transition = _current_transition(instance, _meta_of(instance, name))
    return [
        FailedCondition(
            name=check.__name__,
            message=str(getattr(check, "message", _("Condition %s is not met.") % check.__name__)),
        )
        for check in (transition.conditions if transition else [])
        if not check(instance)
    ]


def available_transitions(instance, user) -> list:
    """The transitions `user` may run on `instance` now (state, conditions, permission),
    as django-fsm Transition objects."""
    found = []
    for name in transition_names(type(instance)):
        transition = _current_transition(instance, _meta_of(instance, name))
        if (
            transition is not None
            and may_run(instance, name, user)
            and not failed_conditions(instance, name)
        ):
            found.append(transition)
    return found


def run_transition(instance, name: str, *, user=None, reason: str = ""):
    """Run transition `name` on `instance` for `user` and save it, or refuse:
    PermissionDenied (403) without the transition's permission, TransitionNotAllowed
    (409) from the current state, TransitionConditionFailed (409) naming the unmet
    conditions, ConcurrentTransitionConflict (409) when the state changed since the
    instance was read."""
    meta = _meta_of(instance, name)
    field = meta.field
    if not may_run(instance, name, user):
        raise PermissionDenied(
            _("You may not %(transition)s this %(model)s.")
            % {"transition": _label(name).lower(), "model": instance._meta.verbose_name}
        )
    state = field.get_state(instance)
    if _current_transition(instance, meta) is None:
        raise TransitionNotAllowed(
            _("Cannot %(transition)s a %(model)s whose %(field)s is %(state)s.")
            % {
                "transition": _label(name).lower(),
                "model": instance._meta.verbose_name,
                "field": field.verbose_name.lower(),
                "state": repr(state),
            }
        )
    failed = failed_conditions(instance, name)
    if failed:
        raise TransitionConditionFailed(" ".join(item.message for item in failed), failed)
    method = getattr(instance, name)
    arguments = inspect.signature(method).parameters
    kwargs = {}
    if "reason" in arguments:
        kwargs["reason"] = reason
    if "user" in arguments:
        kwargs["user"] = user
    # What the audit log adds to the transition's row.
    instance.__dict__["_workflow_context"] = {"reason": reason} if reason else {}
    try:
        with transaction.atomic():
            method(**kwargs)
            instance.save()
    except ConcurrentTransition as exc:
        raise ConcurrentTransitionConflict(
            _("The %(field)s changed while the transition ran; reload and try again.")
            % {"field": field.verbose_name.lower()}
        ) from exc
    finally:
        instance.__dict__.pop("_workflow_context", None)
    return instance


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def describe(transition) -> dict:
    return {
        "name": transition.name,
        "action": transition.name.replace("_", "-"),
        "label": str(transition.custom.get("label") or _label(transition.name)),
        "target": transition.target,
    }


# ---------------------------------------------------------------------------------------
# Over the API
# ---------------------------------------------------------------------------------------
class TransitionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Why; kept in the audit log with the transition.",
    )


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The transition, e.g. reset_to_draft.")
    action = serializers.CharField(help_text="Its URL path, e.g. reset-to-draft.")
    label = serializers.CharField()
    target = serializers.CharField(help_text="The state it leads to.")


class AvailableTransitionsSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="The current state.")
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text="Names of the transitions you may run now."
    )
    transitions = TransitionSerializer(many=True)


REFUSAL_CODES = [
    ("transition_not_allowed", "transition_not_allowed"),
    ("transition_condition_failed", "transition_condition_failed"),
    ("concurrent_transition", "concurrent_transition"),
]
REFUSALS = {
    403: OpenApiResponse(description="Your role does not allow this transition."),
    404: OpenApiResponse(description="No such record in your organizations."),
    409: OpenApiResponse(
        response=inline_serializer(
            "TransitionRefused",
            {
                "detail": serializers.CharField(),
                "code": serializers.ChoiceField(choices=REFUSAL_CODES),
                "conditions": serializers.ListField(child=serializers.DictField(), required=False),
            },
        ),
        description="Not possible from the current state, or a condition is not met.",
    ),
}


def _transition_action(viewset, name: str):
    def run(self, request, *args, **kwargs):
        instance = self.get_object()
        body = TransitionReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run_transition(
            instance, name, user=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(instance).data)

    method = getattr(viewset.queryset.model, name)
    run.__name__ = name
    run.__doc__ = inspect.getdoc(method) or _label(name)
    url = name.replace("_", "-")
    run = action(detail=True, methods=["post"], url_path=url, url_name=url)(run)
    return extend_schema(
        request=TransitionReasonSerializer,
        responses={200: viewset.serializer_class, **REFUSALS},
        summary=f"Transition: {name}",
    )(run)


class WorkflowViewSetMixin:
    """Gives a ModelViewSet the workflow of its model: one POST action per transition
    and `available-transitions/`. Seeing the record (view permission in its
    organization) is enough to ask; running a transition needs its own permission."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queryset = getattr(cls, "queryset", None)
        if queryset is None:
            return
        verbs = dict(getattr(cls, "permission_verbs", {}))
        verbs["available_transitions"] = "view"
        for name in transition_names(queryset.model):
            if name not in cls.__dict__:
                setattr(cls, name, _transition_action(cls, name))
            verbs[name] = "view"
        cls.permission_verbs = verbs

    @extend_schema(responses={200: AvailableTransitionsSerializer, 404: REFUSALS[404]})
    @action(detail=True, methods=["get"], url_path="available-transitions")
    def available_transitions(self, request, *args, **kwargs):
        """The transitions you may run on this record now: possible from its state, with
        their conditions met, and allowed to your role."""
        instance = self.get_object()
        transitions = available_transitions(instance, request.user)
        field = state_fields(type(instance))[0]
        return Response(
            {
                "state": field.get_state(instance),
                "available_transitions": [transition.name for transition in transitions],
                "transitions": [describe(transition) for transition in transitions],
            }
        )


class WorkflowSerializerMixin(serializers.ModelSerializer):
    """State fields are written by transitions only: a create or update that would set
    one to another value is a 400 that names the transitions to use."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        data = self.initial_data if isinstance(self.initial_data, dict) else {}
        model = self.Meta.model
        for field in state_fields(model):
            if field.name not in data:
                continue
            current = field.get_state(self.instance) if self.instance else field.get_default()
            if data[field.name] != current:
                raise serializers.ValidationError(
                    {
                        field.name: [
                            _(
                                "The %(field)s changes only through the workflow's "
                                "transitions: %(names)s."
                            )
                            % {
                                "field": field.verbose_name.lower(),
                                "names": ", ".join(transition_names(model)),
                            }
                        ]
                    }
                )
        return attrs
