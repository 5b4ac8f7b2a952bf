"""How auditing is installed on the audited models (from AuditConfig.ready):

- their saves run in a transaction, so that the change and its audit row (written by
  post_save) commit or roll back together;
- loaded instances remember the values they were loaded with (the "old" side of the
  next diff);
- django-taggit's tag writes are atomic too;
- the signal receivers of audit.receivers are connected.
"""

import functools

from django.db import router, transaction

from . import receivers, registry
from .diff import take_snapshot


def _atomic_save_base(save_base):
    """Model.save_base in a transaction (no savepoint when one is open already): the
    change and its audit row (written by post_save) are committed or rolled back
    together. Deletes are already atomic in Django."""

    @functools.wraps(save_base)
    def wrapper(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return save_base(self, *args, **kwargs)

    wrapper._audit_atomic = True
    return wrapper


def _snapshotting_from_db(model):
    """Model.from_db that remembers the values an instance was loaded with (the "old"
    side of its next diff). Only loaded instances pay for it, not new ones."""
    from_db = model.from_db.__func__

    @functools.wraps(from_db)
    def wrapper(cls, db, field_names, values):
        instance = from_db(cls, db, field_names, values)
        spec = registry.get(cls)
        if spec is not None:
            take_snapshot(instance, spec)
        return instance

    wrapper._audit_snapshot = True
    return classmethod(wrapper)


def _snapshotting_refresh_from_db(refresh_from_db):
    """Model.refresh_from_db that takes the values it reloads as the "old" side of the
    next diff: they are what the database holds (changed elsewhere meanwhile, or a
    deferred field read for the first time)."""

    @functools.wraps(refresh_from_db)
    def wrapper(self, using=None, fields=None, from_queryset=None):
        fields = None if fields is None else set(fields)
        refresh_from_db(self, using=using, fields=fields, from_queryset=from_queryset)
        spec = registry.get(type(self))
        if spec is not None:
            reloaded = None
            if fields is not None:
                reloaded = {name for name, attname in spec.fields if {name, attname} & fields}
            take_snapshot(self, spec, fields=reloaded)

    wrapper._audit_snapshot = True
    return wrapper


def _atomic_tag_methods() -> None:
    """django-taggit's tag managers write outside a transaction (Django's own
    many-to-many managers do not): their writes and the audit rows of their
    m2m_changed signals are made atomic too."""
    from taggit.managers import _TaggableManager

    for name in ("add", "remove", "clear", "set"):
        method = getattr(_TaggableManager, name)
        if getattr(method, "_audit_atomic", False):
            continue

        def wrapped(self, *args, _method=method, **kwargs):
            with transaction.atomic(using=router.db_for_write(self.through), savepoint=False):
                return _method(self, *args, **kwargs)

        functools.update_wrapper(wrapped, method)
        wrapped._audit_atomic = True
        setattr(_TaggableManager, name, wrapped)


def connect_all() -> None:
    """Connect every audited model (registry.audited_models()): once each."""
    _atomic_tag_methods()
    for model in registry.audited_models():
        if registry.is_audited(model):
            continue
        spec = registry.register(model)
        if not getattr(model.save_base, "_audit_atomic", False):
            model.save_base = _atomic_save_base(model.save_base)
        if not getattr(model.from_db.__func__, "_audit_snapshot", False):
            model.from_db = _snapshotting_from_db(model)
        if not getattr(model.refresh_from_db, "_audit_snapshot", False):
            model.refresh_from_db = _snapshotting_refresh_from_db(model.refresh_from_db)
        receivers.connect(model, spec)
