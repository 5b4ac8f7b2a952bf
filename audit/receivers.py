"""Signal receivers of audited models, connected per model by audit.install."""

from crum import get_current_user
from django.db import router
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django_fsm.signals import post_transition

from core import events

from . import registry
from .choices import AuditAction
from .context import current_context
from .diff import (
    PINNED_ATTR,
    SNAPSHOT_ATTR,
    changes_since,
    initial_values,
    masked,
    snapshot_of,
    to_json,
    values_of,
)
from .grouping import record
from .services import audit_row, audit_rows, object_id_of, organization_of

# The model change event of each audit action (core.events).
EVENT_ACTIONS = {
    AuditAction.CREATE: events.CREATE,
    AuditAction.UPDATE: events.UPDATE,
    AuditAction.DELETE: events.DELETE,
    AuditAction.TRANSITION: events.TRANSITION,
}

_HELD_ATTR = "_audit_m2m_held"
_TRANSITIONS_ATTR = "_audit_transitions"


def connect(model, spec) -> None:
    uid = f"audit:{model._meta.label_lower}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}:pre_save")
    post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}:save")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}:delete")
    post_transition.connect(_transitioned, sender=model, dispatch_uid=f"{uid}:transition")
    for through in spec.m2m_fields:
        # Several models may share a through model (taggit's TaggedItem): one receiver.
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"audit:m2m:{through}")


def _before_save(sender, instance, raw=False, **kwargs):
    """The "old" side of the diff: the stored values of the fields being saved, read
    when the save begins, in its transaction (Model.save_base is atomic, see
    audit.install). Reads cost nothing: an instance that is only loaded is never
    copied, and a change made elsewhere since it was loaded is not taken for its own."""
    instance.__dict__.pop(SNAPSHOT_ATTR, None)
    if raw or instance.pk is None:
        return
    pinned = instance.__dict__.pop(PINNED_ATTR, None)
    if pinned is not None:
        instance.__dict__[SNAPSHOT_ATTR] = pinned
        return
    pk = sender._meta.pk
    if instance._state.adding and (pk.has_default() or pk.has_db_default()):
        return  # a new instance: Django inserts it without looking for an existing row
    fields = [
        (name, attname)
        for name, attname in registry.get(sender).fields
        if attname in instance.__dict__
    ]
    if not fields:
        return
    found = sender._default_manager.filter(pk=instance.pk).order_by()
    stored = next(iter(found.values(*(attname for _name, attname in fields))[:1]), None)
    if stored is not None:
        instance.__dict__[SNAPSHOT_ATTR] = {
            name: to_json(stored[attname]) for name, attname in fields
        }


def _transitioned(sender, instance, name, source, target, field, exception=None, **kwargs):
    """A workflow transition changed the state in memory: its row is written when the
    instance is saved (a transition that is never saved changed nothing)."""
    entry = {"transition": name, "field": field.name, "source": source, "target": target}
    # Added by core.workflows.run_transition: the reason given with the request.
    entry.update(instance.__dict__.get("_workflow_context", {}))
    if exception is not None:
        entry["error"] = str(exception)
    instance.__dict__.setdefault(_TRANSITIONS_ATTR, []).append(entry)


def _transition_context(transitions: list[dict]) -> dict:
    """One row per save: several transitions before one save show as the first source,
    the last target and the names in order."""
    context = {**transitions[-1], "source": transitions[0]["source"]}
    if len(transitions) > 1:
        context["transitions"] = [entry["transition"] for entry in transitions]
    return context


def _event(
    action,
    instance,
    spec,
    *,
    changes,
    before=None,
    after=None,
    organization=None,
    transition=None,
    origin=None,
) -> events.ModelEvent | None:
    """The model change event of an audit row, from the same values (core.events); none
    when nothing listens. `origin`: the actor's id and the request id, with the caller
    having asked whether anything listens (record_changes, once for many records)."""
    if origin is None:
        if not events.has_subscribers(instance._meta.label_lower, _kind(action)):
            return None
        origin = _origin()
    actor_id, request_id = origin
    return events.ModelEvent(
        action=_kind(action),
        model=instance._meta.label_lower,
        pk=object_id_of(instance),
        organization_id=organization if organization is not None else organization_of(instance),
        actor_id=actor_id,
        request_id=request_id,
        before=masked(spec, before),
        after=masked(spec, after),
        changes=changes or {},
        transition=transition,
    )


def _kind(action) -> str:
    return EVENT_ACTIONS.get(action, events.UPDATE)


def _origin() -> tuple[int | None, str]:
    """The actor's id and the request id of the changes being made."""
    user = get_current_user()
    actor_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    return actor_id, current_context()[1]


def record_change(action, instance, spec, *, changes, organization=None, context=None, **event):
    """The audit row of a change and its event, written now or with the other changes of
    the record (audit.grouping)."""
    row = audit_row(
        action,
        user=get_current_user(),
        content_object=instance,
        changes=changes,
        organization=organization,
        context=context,
    )
    record(
        row,
        _event(
            action,
            instance,
            spec,
            changes=changes,
            organization=organization,
            transition=context,
            **event,
        ),
        using=router.db_for_write(type(instance), instance=instance),
    )


def record_changes(action, changed: list, spec) -> None:
    """record_change of many records of one model: `changed` holds (instance, changes,
    event keywords) triples; what their rows share is worked out once (audit_rows)."""
    if not changed:
        return
    instances = [instance for instance, _changes, _event_keywords in changed]
    changes = [each for _instance, each, _event_keywords in changed]
    record_rows(action, changed, change_rows(action, instances, changes), spec)


def change_rows(action, instances: list, changes: list, user=None) -> list[dict]:
    """The audit rows of record_changes, made before they are written (record_rows):
    each row holds its `changes` dict itself, so that what is added to it meanwhile
    (audit.bulk: the tags of new records) is written. By `user`, else the current one."""
    return audit_rows(action, instances, changes, user=user or get_current_user())


def record_rows(action, changed: list, rows: list, spec) -> None:
    """Write the rows of change_rows with the events of `changed` (record_changes)."""
    instances = [instance for instance, _changes, _event_keywords in changed]
    using = router.db_for_write(type(instances[0]), instance=instances[0])
    listened = events.has_subscribers(instances[0]._meta.label_lower, _kind(action))
    origin = _origin() if listened else None
    for (instance, changes, event_keywords), row in zip(changed, rows, strict=True):
        event = None
        if listened:
            event = _event(action, instance, spec, changes=changes, origin=origin, **event_keywords)
        record(row, event, using=using)


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    spec = registry.get(sender)
    current = values_of(instance, spec)
    whole = current
    snapshot = None
    organization = None
    context = None
    transitions = instance.__dict__.pop(_TRANSITIONS_ATTR, None)
    if created:
        action, changes = AuditAction.CREATE, initial_values(current, spec)
    else:
        if update_fields is not None:
            written = {sender._meta.get_field(name).name for name in update_fields}
            current = {name: value for name, value in current.items() if name in written}
        snapshot = snapshot_of(instance) or {}
        changes = changes_since(snapshot, current, spec)
        if not changes and not transitions:
            return  # a save that changed nothing leaves no row
        action = AuditAction.UPDATE
        if transitions:
            action, context = AuditAction.TRANSITION, _transition_context(transitions)
        if getattr(instance, "organization_id", False) is None:
            # Saved with only some fields set (update_fields): the stored organization.
            organization = snapshot.get("organization")
    record_change(
        action,
        instance,
        spec,
        changes=changes,
        organization=organization,
        context=context,
        before=None if created else {**whole, **(snapshot or {})},
        after=whole,
    )
    instance.__dict__.pop(SNAPSHOT_ATTR, None)


def _deleted(sender, instance, **kwargs):
    spec = registry.get(sender)
    record_change(
        AuditAction.DELETE, instance, spec, changes=None, before=values_of(instance, spec)
    )


def _item_label(item) -> str:
    content_type = getattr(item, "content_type", None)
    codename = getattr(item, "codename", None)
    if codename is not None and content_type is not None:  # a Permission
        return f"{content_type.app_label}.{codename}"
    return str(item)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action in ("pre_remove", "pre_clear"):
        # Django sends the pks asked to be removed, held or not (and none for a clear):
        # the ones actually held are read before they go.
        pks = pk_set if action == "pre_remove" else None
        instance.__dict__[_HELD_ATTR] = _held(sender, instance, reverse, model, pks)
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action != "post_add":
        pk_set = instance.__dict__.pop(_HELD_ATTR, set())
    if reverse:
        # instance is the related object (a permission given to roles, say): one row
        # per audited object on the other side.
        targets = list(model.objects.filter(pk__in=pk_set or []))
        items = [_item_label(instance)]
    else:
        targets = [instance]
        held = _cached(instance, _m2m_field(sender, instance, False)) or {}
        pks = pk_set or set()
        if pks <= held.keys():
            related = [held[pk] for pk in pks]
        else:
            related = model.objects.filter(pk__in=pks)
        items = [_item_label(item) for item in related]
    if not items:
        return
    for target in targets:
        field = _m2m_field(sender, target, False)
        if field is None:
            continue
        key = "added" if action == "post_add" else "removed"
        if field.name == "permissions" and target._meta.label_lower == "auth.group":
            event = (
                AuditAction.PERMISSION_ASSIGN if key == "added" else AuditAction.PERMISSION_REVOKE
            )
        else:
            event = AuditAction.UPDATE
        spec = registry.get(type(target))
        values = values_of(target, spec)
        record_change(
            event,
            target,
            spec,
            changes={field.name: {key: sorted(items)}},
            before=values,
            after=values,
        )


def _held(through, instance, reverse, model, pks=None) -> set:
    """Pks of the `model` objects related to `instance` through `through` (of `pks`)."""
    if reverse:
        spec = registry.get(model)
        field = spec.m2m_fields.get(through) if spec is not None else None
        if field is None:
            return set()
        related = model._default_manager.filter(**{field.name: instance})
    else:
        field = _m2m_field(through, instance, False)
        if field is None:
            return set()
        cached = _cached(instance, field)
        if cached is not None:
            return set(cached) if pks is None else set(cached) & set(pks)
        related = getattr(instance, field.name).all()
    if pks is not None:
        related = related.filter(pk__in=pks)
    return set(related.values_list("pk", flat=True))


def _cached(instance, field) -> dict | None:
    """{pk: object} of a many-to-many field's related objects from the instance's
    prefetch cache, when a writer keeps it current during its signals (as
    core.tagging.set_tags does; Django's and django-taggit's managers drop it first)."""
    if field is None:
        return None
    cache = getattr(instance, "_prefetched_objects_cache", {}).get(field.name)
    if cache is None or cache._result_cache is None:
        return None
    return {item.pk: item for item in cache._result_cache}


def _m2m_field(through, instance, reverse):
    spec = registry.get(type(instance))
    if spec is None or reverse:
        return None
    return spec.m2m_fields.get(through)
