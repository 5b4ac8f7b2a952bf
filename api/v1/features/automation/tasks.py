import logging

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from .choices import ActionStatus
from .models import AutomationLog, AutomationRule
from .services import Change, evaluate, record_delivery, webhook_delivery

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def evaluate_change(label: str, trigger: str, organization_id: int, change: dict, chain: list):
    """Evaluate the active rules of `organization_id` that watch `trigger` on `label`
    records on a change (triggers.on_model_event); the number evaluated."""
    app_label, model = label.split(".")
    content_type = ContentType.objects.get_by_natural_key(app_label, model)
    rules = (
        AutomationRule.objects.filter(
            organization_id=organization_id,
            content_type=content_type,
            trigger=trigger,
            is_active=True,
        )
        .select_related("content_type")
        .prefetch_related("conditions", "actions")
        .order_by("pk")
    )
    change = Change(**change)
    evaluated = 0
    for rule in rules:
        watched = set(rule.trigger_fields or ())
        if watched and not watched & set(change.changes):
            continue
        try:
            evaluate(rule, change, tuple(chain))
        except Exception:  # a defect: the other rules still run (fail closed: no action)
            logger.exception("Automation rule %s failed on %s %s", rule.pk, label, change.object_id)
            continue
        evaluated += 1
    return evaluated


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, log_id: int, index: int, request: dict) -> str:
    """Send a rule's webhook (actions.CallWebhook), signed with the rule's secret, and
    keep the outcome on its log; retried with backoff while the receiver fails
    (AUTOMATION_WEBHOOK_RETRIES times), with the same idempotency key."""
    from .webhooks import UnsafeWebhookURL

    log = AutomationLog.objects.select_related("rule").filter(pk=log_id).first()
    if log is None:
        return "gone"
    attempt = self.request.retries + 1
    try:
        delivery = webhook_delivery(log, index, request)
    except (UnsafeWebhookURL, ValueError) as exc:
        record_delivery(log_id, index, status=ActionStatus.FAILED, attempts=attempt, error=str(exc))
        return ActionStatus.FAILED
    last = attempt > settings.AUTOMATION_WEBHOOK_RETRIES
    if delivery.ok:
        status = ActionStatus.SUCCEEDED
    elif delivery.retryable and not last:
        status = ActionStatus.PENDING
    else:
        status = ActionStatus.FAILED
    record_delivery(
        log_id,
        index,
        status=status,
        attempts=attempt,
        response_code=delivery.status,
        response=delivery.response_excerpt,
        error=delivery.error,
    )
    if status == ActionStatus.PENDING:
        if self.request.is_eager:  # tasks run at once (the tests): the next attempt too
            return self.apply(args=(log_id, index, request), retries=attempt).result
        raise self.retry(countdown=min(2**attempt * 10, 3600))
    return status


@shared_task(acks_late=True)
def purge_logs() -> int:
    """Daily: the logs past their retention (AUTOMATION_LOG_RETENTION_DAYS)."""
    from .services import purge_logs as purge

    return purge()


@shared_task(acks_late=True)
def run_timed_rules() -> int:
    """Every minute: the schedule and relative-time rules that are due."""
    from .services import run_timed_rules as run

    return run()
