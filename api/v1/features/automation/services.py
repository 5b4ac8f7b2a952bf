"""Evaluating rules: conditions, then actions, and the log of it.

`evaluate(rule, change, chain)` is one evaluation of a rule on one record: its
conditions (automation.conditions) on the change, then, when they hold, its actions in
order (automation.actions), each in a transaction of its own, as the rule's owner (the
changes they make are theirs in the audit log), and an AutomationLog of all of it.

Loops: the change events that actions cause trigger rules too, carrying the chain of
rules that led to them (`chain`); a rule already in the chain, or a chain as long as
AUTOMATION_MAX_DEPTH, is not evaluated again: logged as skipped.

A rule whose evaluations fail AUTOMATION_DISABLE_AFTER_FAILURES times in a row is
disabled, and its owner notified.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from crum import impersonate
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from api.v1.base_models.organization.models import OrganizationMembership
from audit import registry as audit_registry
from audit.diff import masked, values_of
from core.filtering import InvalidFilterError
from notifications.choices import NotificationLevel

from . import actions as action_types
from .actions import ActionFailed, ActionRefused, Context
from .choices import ActionStatus, ConditionLogic, LogStatus
from .conditions import ConditionCompiler
from .models import AutomationLog, AutomationRule
from .targets import condition_fields

logger = logging.getLogger(__name__)

# The rules whose actions are running (their ids, outermost first).
_chain: ContextVar[tuple[int, ...]] = ContextVar("automation_chain", default=())


def current_chain() -> tuple[int, ...]:
    return _chain.get()


@contextmanager
def running(rule_id: int, chain: tuple[int, ...]):
    token = _chain.set((*chain, rule_id))
    try:
        yield
    finally:
        _chain.reset(token)


@dataclass
class Change:
    """What a rule is evaluated on: a record, its values before and after a change."""

    trigger: str
    object_id: str
    before: dict | None = None
    after: dict | None = None
    changes: dict = field(default_factory=dict)
    request_id: str = ""


def compile_rule(rule: AutomationRule, definitions=None):
    """The rule's conditions compiled (InvalidFilterError for a bad one)."""
    model = rule.content_type.model_class()
    if definitions is None:
        definitions = [each.definition for each in rule.conditions.all()]
    compiler = ConditionCompiler(
        model,
        condition_fields(model),
        trigger=rule.trigger,
        organization_id=rule.organization_id,
    )
    return compiler.compile(definitions)


def snapshot(record) -> dict:
    """A record's values as change events carry them (masked fields masked)."""
    spec = audit_registry.get(type(record))
    if spec is None:
        return {}
    return masked(spec, values_of(record, spec))


def _condition_report(rule, conditions, results) -> tuple[list, str]:
    report = [
        {"condition": condition.definition, "description": condition.description, "held": held}
        for condition, held in zip(conditions, results, strict=True)
    ]
    failing = [
        condition.description or str(condition.definition)
        for condition, held in zip(conditions, results, strict=True)
        if not held
    ]
    reason = ""
    if failing:
        reason = _("Did not hold: %(conditions)s.") % {"conditions": "; ".join(failing)}
    return report, reason


def matches(rule, conditions, results) -> bool:
    if not results:
        return True
    return all(results) if rule.condition_logic == ConditionLogic.ALL else any(results)


def _owner(rule):
    """The rule's owner if they may still act in its organization, else None."""
    if rule.owner_id is None:
        return None
    owner = get_user_model().objects.filter(pk=rule.owner_id, is_active=True).first()
    if owner is None:
        return None
    if owner.is_superuser:
        return owner
    member = OrganizationMembership.objects.filter(
        user=owner, organization_id=rule.organization_id, is_active=True
    ).exists()
    return owner if member else None


def evaluate(rule: AutomationRule, change: Change, chain: tuple[int, ...] = ()) -> AutomationLog:
    """Evaluate `rule` on `change` (see the module); its log."""
    started = time.monotonic()
    model = rule.content_type.model_class()
    log = AutomationLog(
        organization_id=rule.organization_id,
        rule=rule,
        rule_name=rule.name,
        trigger=change.trigger,
        content_type_id=rule.content_type_id,
        object_id=change.object_id,
        request_id=change.request_id[:64],
        changes=change.changes or {},
        depth=len(chain),
    )
    if rule.pk in chain or len(chain) >= settings.AUTOMATION_MAX_DEPTH:
        log.status = LogStatus.SKIPPED
        log.reason = (
            _("Skipped: the change was made by this rule's own actions (a loop).")
            if rule.pk in chain
            else _("Skipped: rules triggered one another %(depth)d times in a row.")
            % {"depth": len(chain)}
        )
        logger.warning("Automation rule %s: %s", rule.pk, log.reason)
        return _finish(log, started)

    conditions = list(rule.conditions.all())
    try:
        compiled = compile_rule(rule, [each.definition for each in conditions])
    except InvalidFilterError as exc:  # the model or the settings changed since the save
        log.status = LogStatus.FAILED
        log.reason = _("The conditions no longer apply: %(error)s") % {"error": exc}
        _finish(log, started)
        _failed(rule)
        return log
    results = compiled.results(
        model, change.object_id if change.after else None, change.before, change.after
    )
    log.conditions, log.reason = _condition_report(rule, conditions, results)
    log.matched = matches(rule, conditions, results)
    if not log.matched:
        log.status = LogStatus.NOT_MATCHED
        return _finish(log, started)
    rule_actions = list(rule.actions.all())
    if not rule_actions:
        log.status = LogStatus.SUCCEEDED
        return _finish(log, started)

    owner = _owner(rule)
    if owner is None:
        log.status = LogStatus.FAILED
        log.reason = _(
            "Refused: the rule's owner is no longer an active member of its organization."
        )
        _finish(log, started)
        _failed(rule)
        return log

    log.reason = ""
    log.save()  # its id is the webhooks' idempotency key
    record = model._default_manager.filter(pk=change.object_id).first() if change.after else None
    context = Context(
        rule=rule,
        owner=owner,
        model=model,
        record=record,
        before=change.before,
        after=change.after,
        changes=change.changes or {},
        log=log,
    )
    log.action_logs = run_actions(rule, rule_actions, context, chain)
    statuses = {entry["status"] for entry in log.action_logs}
    failed = statuses & {ActionStatus.FAILED, ActionStatus.REFUSED}
    if not failed:
        log.status = LogStatus.PENDING if ActionStatus.PENDING in statuses else LogStatus.SUCCEEDED
    elif statuses - failed - {ActionStatus.SKIPPED}:
        log.status = LogStatus.PARTIAL
    else:
        log.status = LogStatus.FAILED
    _finish(log, started)
    for work in context.deferred:
        transaction.on_commit(work)
    if failed:
        _failed(rule)
    elif rule.consecutive_failures:
        AutomationRule.objects.filter(pk=rule.pk).update(consecutive_failures=0)
    return log


def run_actions(rule, rule_actions, context: Context, chain) -> list[dict]:
    entries = []
    stop = False
    for index, action in enumerate(rule_actions):
        entry = {"order": action.order, "type": action.action_type, "status": "", "output": {}}
        started = time.monotonic()
        kind = action_types.get(action.action_type)
        if stop:
            entry["status"] = ActionStatus.SKIPPED
        elif kind is None:
            entry.update(status=ActionStatus.FAILED, error=_("Unknown action type."))
        else:
            context.index = index
            try:
                with transaction.atomic(), impersonate(context.owner), running(rule.pk, chain):
                    entry["output"] = kind.run(context, action.parameters) or {}
                entry["status"] = entry["output"].pop("_status", ActionStatus.SUCCEEDED)
            except ActionRefused as exc:
                entry.update(status=ActionStatus.REFUSED, error=str(exc))
            except ActionFailed as exc:
                entry.update(status=ActionStatus.FAILED, error=str(exc))
            except Exception as exc:  # a defect: logged in full, the next rules still run
                logger.exception("Automation rule %s, action %s failed", rule.pk, index)
                entry.update(status=ActionStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        entry["duration_ms"] = round((time.monotonic() - started) * 1000)
        if entry["status"] in (ActionStatus.FAILED, ActionStatus.REFUSED):
            stop = not action.continue_on_failure
        entries.append(entry)
    return entries


def simulate(rule, conditions, rule_actions, *, record, before=None) -> dict:
    """What `rule` (saved or not) would do on `record`, with `before` as the values
    before the change: each condition's result and each action's simulation. Nothing is
    changed, nothing is called."""
    model = rule.content_type.model_class()
    after = snapshot(record)
    before = {**after, **before} if before is not None else None
    changes = {}
    if before is not None:
        changes = {
            name: {"old": before.get(name), "new": value}
            for name, value in after.items()
            if before.get(name) != value
        }
    results = compile_rule(rule, [each.definition for each in conditions]).results(
        model, record.pk, before, after
    )
    report, reason = _condition_report(rule, conditions, results)
    matched = matches(rule, conditions, results)
    owner = _owner(rule)
    simulated = []
    if matched:
        context = Context(
            rule=rule,
            owner=owner,
            model=model,
            record=record,
            before=before,
            after=after,
            changes=changes,
        )
        for index, action in enumerate(rule_actions):
            kind = action_types.get(action.action_type)
            entry = {"order": action.order, "type": action.action_type}
            context.index = index
            if owner is None:
                entry["refused"] = _("The rule's owner may not act in its organization.")
            else:
                try:
                    with transaction.atomic():
                        entry["would"] = kind.simulate(context, action.parameters)
                        transaction.set_rollback(True)
                except ActionRefused as exc:
                    entry["refused"] = str(exc)
                except ActionFailed as exc:
                    entry["would_fail"] = str(exc)
            simulated.append(entry)
    return {"matched": matched, "conditions": report, "reason": reason, "actions": simulated}


def _finish(log: AutomationLog, started: float) -> AutomationLog:
    log.duration_ms = round((time.monotonic() - started) * 1000)
    log.save()
    return log


def _failed(rule: AutomationRule) -> None:
    """Count a failed evaluation; disable the rule after too many in a row."""
    AutomationRule.objects.filter(pk=rule.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    rule.refresh_from_db(fields=["consecutive_failures", "is_active"])
    limit = settings.AUTOMATION_DISABLE_AFTER_FAILURES
    if rule.is_active and rule.consecutive_failures >= limit:
        reason = _("Disabled after %(count)d failed runs in a row.") % {"count": limit}
        AutomationRule.objects.filter(pk=rule.pk).update(is_active=False, disabled_reason=reason)
        rule.is_active, rule.disabled_reason = False, reason
        forget_watched()
        if rule.owner_id:
            from notifications.services import send_notification

            send_notification(
                [rule.owner_id],
                "automation.rule_disabled",
                _("Automation rule %(name)s was disabled") % {"name": rule.name},
                reason,
                level=NotificationLevel.WARNING,
                organization=rule.organization_id,
                email=True,
            )


# ------------------------------------------------------------ which changes matter

WATCHED_KEY = "automation:watched"


def watched() -> frozenset:
    """(model label, trigger, organization id) of every active change rule, cached
    until a rule changes."""
    from django.core.cache import cache

    found = cache.get(WATCHED_KEY)
    if found is None:
        found = frozenset(
            (f"{app}.{model}", trigger, organization)
            for app, model, trigger, organization in AutomationRule.objects.filter(
                is_active=True
            ).values_list(
                "content_type__app_label", "content_type__model", "trigger", "organization_id"
            )
        )
        cache.set(WATCHED_KEY, found, None)
    return found


def watched_models() -> frozenset:
    """The models (labels) active change rules watch."""
    return frozenset(label for label, _trigger, _organization in watched())


def forget_watched() -> None:
    from django.core.cache import cache

    cache.delete(WATCHED_KEY)


def forget_watched_rules(sender, **kwargs) -> None:
    """A rule was saved or deleted: forget what rules watch, now and once committed (no
    other process caches the rules as they were)."""
    forget_watched()
    transaction.on_commit(forget_watched)


# ------------------------------------------------------------------------ webhooks


def webhook_delivery(log: AutomationLog, index: int, request: dict):
    """One attempt at a rule's webhook call (see actions.CallWebhook)."""
    from .actions import webhook_key
    from .webhooks import deliver, sign

    rule = log.rule
    action = rule.actions.all()[index] if rule is not None else None
    scheme = action.signing if action is not None else "none"
    body = request["body"].encode()
    key = webhook_key(log.pk, index)
    headers = {
        **request["headers"],
        **sign(scheme, rule.secret if rule is not None else "", key, int(time.time()), body),
        "Idempotency-Key": key,
    }
    return deliver(url=request["url"], method=request["method"], headers=headers, body=body)


def record_delivery(log_id: int, index: int, *, status: str, attempts: int, **outcome) -> None:
    """Keep a webhook attempt's outcome on its log entry, and the log's status."""
    with transaction.atomic():
        log = AutomationLog.objects.select_for_update().get(pk=log_id)
        entries = list(log.action_logs)
        if index >= len(entries):
            return
        entries[index] = {
            **entries[index],
            "status": status,
            "attempts": attempts,
            **{name: value for name, value in outcome.items() if value not in (None, "")},
        }
        log.action_logs = entries
        statuses = {entry["status"] for entry in entries}
        if ActionStatus.PENDING not in statuses:
            failed = statuses & {ActionStatus.FAILED, ActionStatus.REFUSED}
            log.status = (
                LogStatus.SUCCEEDED
                if not failed
                else LogStatus.PARTIAL
                if statuses - failed - {ActionStatus.SKIPPED}
                else LogStatus.FAILED
            )
        log.save(update_fields=["action_logs", "status", "updated_at"])


def purge_logs(*, now=None, batch_size: int = 1000) -> int:
    """Delete the logs older than AUTOMATION_LOG_RETENTION_DAYS; how many."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = (now or timezone.now()) - timedelta(days=settings.AUTOMATION_LOG_RETENTION_DAYS)
    deleted = 0
    while ids := list(
        AutomationLog.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
            :batch_size
        ]
    ):
        deleted += AutomationLog.objects.filter(pk__in=ids).delete()[0]
    return deleted


# ------------------------------------------------------------------- timed triggers


def run_timed_rules(now=None) -> int:
    """Run the schedule and relative-time rules that are due (every minute, from beat);
    how many ran. Each rule is taken under a row lock that other workers skip, so a
    rule runs once however many workers there are."""
    from django.db.models import Q
    from django.utils import timezone

    from .choices import TIMED_TRIGGERS

    now = now or timezone.now()
    due = AutomationRule.objects.filter(is_active=True, trigger__in=TIMED_TRIGGERS).filter(
        Q(next_run_at__lte=now) | Q(next_run_at__isnull=True)
    )
    ran = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            rule = (
                AutomationRule.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, is_active=True)
                .select_related("content_type", "organization")
                .first()
            )
            if rule is None or (rule.next_run_at is not None and rule.next_run_at > now):
                continue
            ran += _run_timed(rule, now)
    return ran


def _run_timed(rule: AutomationRule, now) -> int:
    from datetime import timedelta

    from .choices import Trigger
    from .schedules import next_run, parse_offset, window

    model = rule.content_type.model_class()
    if rule.trigger == Trigger.SCHEDULE:
        zone = rule.organization.timezone or settings.TIME_ZONE
        first = rule.next_run_at is None
        rule.next_run_at = next_run(rule.schedule, now, zone)
        if first:  # the first run is the schedule's next moment
            rule.save(update_fields=["next_run_at"])
            return 0
        records = _selected(rule, model)
    else:
        since = rule.last_run_at or rule.created_at
        start, end = window(parse_offset(rule.offset), since, now)
        records = _selected(rule, model).filter(
            **{f"{rule.date_field}__gt": start, f"{rule.date_field}__lte": end}
        )
        rule.next_run_at = now + timedelta(minutes=1)
    rule.last_run_at = now
    rule.save(update_fields=["next_run_at", "last_run_at"])
    for record in records[: settings.AUTOMATION_MAX_RECORDS_PER_RUN]:
        evaluate(
            rule,
            Change(trigger=rule.trigger, object_id=str(record.pk), after=snapshot(record)),
        )
    return 1


def _selected(rule, model):
    """The rule's organization's records its conditions select."""
    from core.registry import organization_path

    conditions = compile_rule(rule).queryset_filter(
        any_of=rule.condition_logic == ConditionLogic.ANY
    )
    return (
        model._default_manager.filter(**{organization_path(model): rule.organization_id})
        .filter(conditions)
        .order_by("pk")
    )
