"""Model change events: one event per created, updated, deleted or transitioned record,
delivered to subscribers after the transaction commits.

The audit app emits them from the same snapshots it writes its rows from, with field
values masked as in the audit log: every audited model emits them (the registry's
`audited` feature, core.registry.is_audited_model). Two registered models do not, by
design: the audit log itself, and login sessions (authentication.AuthSession, rewritten by
every token refresh; a login, a logout and a revocation are audit events of their own).
Features that react to changes (notifications, automation, search indexing, webhooks)
subscribe here instead of connecting signals of their own:

    from core import events

    def reindex(event: events.ModelEvent) -> None: ...

    events.subscribe(reindex)  # from an AppConfig.ready()
    events.subscribe(notify, models=["collaboration.comment"])  # only these models'

A subscriber that names its models (and `actions=[events.DELETE]`, ...) costs every
other change nothing: no event is built for a change no one listens to.

Subscribers run once the change is committed (never for a rolled-back change), in the
order they subscribed; one that fails is logged and the others still run: a subscriber
never makes the change fail. Keep them short: hand long work to a Celery task.
"""

import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

logger = logging.getLogger(__name__)

CREATE, UPDATE, DELETE, TRANSITION = "create", "update", "delete", "transition"


@dataclass(frozen=True)
class ModelEvent:
    action: str  # CREATE, UPDATE, DELETE or TRANSITION
    model: str  # "app_label.modelname"
    pk: str
    organization_id: int | None
    actor_id: int | None
    request_id: str
    before: dict | None  # field values before the change (None for a creation)
    after: dict | None  # field values after it (None for a deletion)
    changes: dict = field(default_factory=dict)  # {"field": {"old": ..., "new": ...}}
    transition: dict | None = None  # {"transition", "source", "target", ...}


Subscriber = Callable[[ModelEvent], None]


@dataclass(frozen=True)
class _Interest:
    # "app_label.model" labels; None: every model; or a function answering the labels
    # (asked on each change: for subscribers whose interest changes at run time).
    models: frozenset[str] | Callable[[], frozenset[str]] | None
    actions: frozenset[str] | None  # CREATE, UPDATE, DELETE, TRANSITION; None: all

    def covers(self, model: str | None, action: str | None) -> bool:
        if not (action is None or self.actions is None or action in self.actions):
            return False
        if model is None or self.models is None:
            return True
        models = self.models() if callable(self.models) else self.models
        return model in models


_subscribers: dict[Subscriber, _Interest] = {}


def subscribe(subscriber: Subscriber, models=None, actions=None) -> Subscriber:
    """Call `subscriber(event)` for every event from now on, or only for those of
    `models` ("app_label.model" labels, or a function answering them, asked on each
    change: keep it cheap) and `actions`: other changes then build no event for it.
    Once, however often subscribed. Returns it, to serve as a decorator."""
    if models is not None and not callable(models):
        models = frozenset(each.lower() for each in models)
    _subscribers[subscriber] = _Interest(models, None if actions is None else frozenset(actions))
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    _subscribers.pop(subscriber, None)


def has_subscribers(model: str | None = None, action: str | None = None) -> bool:
    """Whether emitting is worth building an event for (of `model`, "app_label.model",
    and `action`, when given)."""
    return any(interest.covers(model, action) for interest in _subscribers.values())


def emit(event: ModelEvent, using: str | None = None) -> None:
    """Deliver the event to its subscribers once the current transaction commits (at
    once outside a transaction), in the context variables of the change (contextvars:
    an automation rule's actions know the changes they cause by them, even when the
    commit comes later)."""
    if has_subscribers(event.model, event.action):
        context = contextvars.copy_context()
        transaction.on_commit(lambda: context.run(deliver, event), using=using)


def deliver(event: ModelEvent) -> None:
    for subscriber, interest in list(_subscribers.items()):
        if not interest.covers(event.model, event.action):
            continue
        try:
            subscriber(event)
        except Exception:
            logger.exception(
                "Subscriber %r failed on %s of %s %s",
                subscriber,
                event.action,
                event.model,
                event.pk,
            )
