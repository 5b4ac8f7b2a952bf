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

Changes written together (a bulk write: an import's batch, audit.bulk) are emitted
together (`emit_many`) and delivered together after their commit: each subscriber in
turn gets all of those it covers, one by one, or as one list if it subscribed with
`many=True` (so that it can queue one task for a thousand records, not a thousand):

    events.subscribe(reindex_all, models=[...], many=True)  # reindex_all(list_of_events)
"""

import contextvars
import logging
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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
    many: bool = False  # called with a list of the events delivered together

    def fixed(self) -> "_Interest":
        """The interest as it is now (its models asked once): to check many events."""
        return replace(self, models=self.models()) if callable(self.models) else self

    def covers(self, model: str | None, action: str | None) -> bool:
        if not (action is None or self.actions is None or action in self.actions):
            return False
        if model is None or self.models is None:
            return True
        models = self.models() if callable(self.models) else self.models
        return model in models


_subscribers: dict[Subscriber, _Interest] = {}


def subscribe(subscriber: Subscriber, models=None, actions=None, many=False) -> Subscriber:
    """Call `subscriber(event)` for every event from now on, or only for those of
    `models` ("app_label.model" labels, or a function answering them, asked on each
    change: keep it cheap) and `actions`: other changes then build no event for it.
    With `many=True`, `subscriber(events)` with the list of the events delivered
    together (one, or all those of a bulk write). Once, however often subscribed.
    Returns it, to serve as a decorator."""
    if models is not None and not callable(models):
        models = frozenset(each.lower() for each in models)
    _subscribers[subscriber] = _Interest(
        models, None if actions is None else frozenset(actions), many
    )
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
    emit_many([event], using=using)


def emit_many(emitted: list[ModelEvent], using: str | None = None) -> None:
    """emit() of the events of changes written together, delivered together (one
    callback after the commit, whatever their number). Past HELD_UNPACKED events
    waiting for the same commit, they wait packed (pickled and compressed, a twentieth
    of their size): a transaction writing a hundred thousand records (an import with
    on_error=abort) holds megabytes, not hundreds of them. Fewer wait as they are:
    packing and unpacking took a tenth of a bulk write's time."""
    interests = [interest.fixed() for interest in _subscribers.values()]
    wanted = [
        event
        for event in emitted
        if any(interest.covers(event.model, event.action) for interest in interests)
    ]
    if not wanted:
        return
    context = contextvars.copy_context()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        held = _held(connection)
        if held.count + len(wanted) > HELD_UNPACKED:
            packed = zlib.compress(pickle.dumps(wanted, protocol=pickle.HIGHEST_PROTOCOL), 1)
            transaction.on_commit(lambda: context.run(_deliver_packed, packed), using=using)
            return
        held.count += len(wanted)
    transaction.on_commit(lambda: context.run(deliver, *wanted), using=using)


# Events waiting for one commit as they are; beyond, packed.
HELD_UNPACKED = 5000


class _Held:
    """The events waiting unpacked for the commit of a connection's transaction: its
    list of on_commit callbacks, which Django replaces at the commit or rollback."""

    def __init__(self, callbacks: list):
        self.callbacks, self.count = callbacks, 0


def _held(connection) -> _Held:
    held = getattr(connection, "_events_held", None)
    if held is None or held.callbacks is not connection.run_on_commit:
        held = connection._events_held = _Held(connection.run_on_commit)
    return held


def _deliver_packed(packed: bytes) -> None:
    deliver(*pickle.loads(zlib.decompress(packed)))  # noqa: S301 (packed by this process)


def deliver(*delivered: ModelEvent) -> None:
    """Hand the events to their subscribers now, each subscriber in turn."""
    for subscriber, interest in list(_subscribers.items()):
        interest = interest.fixed()
        covered = [each for each in delivered if interest.covers(each.model, each.action)]
        if not covered:
            continue
        for given in [covered] if interest.many else ([each] for each in covered):
            try:
                subscriber(given if interest.many else given[0])
            except Exception:
                logger.exception(
                    "Subscriber %r failed on %s of %s %s%s",
                    subscriber,
                    given[0].action,
                    given[0].model,
                    given[0].pk,
                    f" (and {len(given) - 1} other events)" if len(given) > 1 else "",
                )
