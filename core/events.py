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

Subscribers run once the change is committed (never for a rolled-back change), in the
order they subscribed; one that fails is logged and the others still run: a subscriber
never makes the change fail. Keep them short: hand long work to a Celery task.
"""

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
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Call `subscriber(event)` for every event from now on (once, however often
    subscribed). Returns it, to serve as a decorator."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def has_subscribers() -> bool:
    """Whether emitting is worth building an event for."""
    return bool(_subscribers)


def emit(event: ModelEvent, using: str | None = None) -> None:
    """Deliver the event to the subscribers once the current transaction commits (at
    once outside a transaction)."""
    if _subscribers:
        transaction.on_commit(lambda: deliver(event), using=using)


def deliver(event: ModelEvent) -> None:
    for subscriber in list(_subscribers):
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
