"""Change triggers: model change events (core.events) to rule evaluations, in Celery.

The subscriber only looks the change up among the active rules' (model, trigger,
organization) triples, cached (services.watched), and queues one task per change a rule
watches: the write that caused it never waits for an evaluation, nor fails with one.
"""

from core import events

from .choices import Trigger

TRIGGERS = {
    events.CREATE: Trigger.CREATED,
    events.UPDATE: Trigger.UPDATED,
    events.DELETE: Trigger.DELETED,
    events.TRANSITION: Trigger.TRANSITIONED,
}


def on_model_event(event: events.ModelEvent) -> None:
    from .services import current_chain, watched
    from .tasks import evaluate_change

    trigger = TRIGGERS.get(event.action)
    if trigger is None or (event.model, trigger, event.organization_id) not in watched():
        return
    evaluate_change.delay(
        event.model,
        trigger,
        event.organization_id,
        {
            "trigger": trigger,
            "object_id": str(event.pk),
            "before": event.before,
            "after": event.after,
            "changes": event.changes or {},
            "request_id": event.request_id or "",
        },
        list(current_chain()),
    )
