"""The API of a model's workflow (core.workflows is the engine): one POST action per
transition (`reset_to_draft` -> `{id}/reset-to-draft/`), `available-transitions/`, and
a serializer rule that keeps state fields out of plain writes. ScopedModelViewSet and
ScopedModelSerializer bring them to every model with a workflow."""

import inspect
from contextlib import nullcontext

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.workflows import (
    REASON_MAX_LENGTH,
    available_transitions,
    describe,
    run_transition,
    state_fields,
    transition_label,
    transition_names,
)


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
        conditional = getattr(self, "conditional_write", None)
        with conditional(instance) if conditional else nullcontext():
            run_transition(
                instance, name, user=request.user, reason=body.validated_data.get("reason", "")
            )
        return Response(self.get_serializer(instance).data)

    method = getattr(viewset.queryset.model, name)
    run.__name__ = name
    run.__doc__ = inspect.getdoc(method) or transition_label(name)
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
        if hasattr(cls, "conditional_actions"):  # If-Match applies to transitions too
            cls.conditional_actions = frozenset(
                {*cls.conditional_actions, *transition_names(queryset.model)}
            )

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
