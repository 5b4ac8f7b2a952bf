"""Workflows: state machines on model fields (django-fsm-2), run the same way from the
API, the Admin and code. This is the engine; the API of a workflow (one action per
transition) is api.base.workflows.

A model gets a workflow with a state field and decorated methods:

    class Invoice(ConcurrentTransitionMixin, OrganizationScoped, BaseModel):
        status = FSMField(default="draft", choices=..., protected=True)

        @transition(
            field=status, source="draft", target="sent",
            conditions=[has_lines],                       # @condition("...") functions
            permission=org_permission("billing.send_invoice"),  # rbac.access
        )
        def send(self, reason=""):
            ...

and its viewset (api.base.views.ScopedModelViewSet) gets the API:
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
from rest_framework.exceptions import PermissionDenied

from .exceptions import Conflict

REASON_MAX_LENGTH = 500


def condition(message):
    """Names a transition condition for the people it stops: a refused transition
    answers with this message (and the function's name)."""

    def decorate(function):
        function.message = message
        return function

    return decorate


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
            % {"transition": transition_label(name).lower(), "model": instance._meta.verbose_name}
        )
    state = field.get_state(instance)
    if _current_transition(instance, meta) is None:
        raise TransitionNotAllowed(
            _("Cannot %(transition)s a %(model)s whose %(field)s is %(state)s.")
            % {
                "transition": transition_label(name).lower(),
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


def transition_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def describe(transition) -> dict:
    return {
        "name": transition.name,
        "action": transition.name.replace("_", "-"),
        "label": str(transition.custom.get("label") or transition_label(transition.name)),
        "target": transition.target,
    }
