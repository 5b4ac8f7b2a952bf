"""How auditing is installed on the audited models (from AuditConfig.ready):

- their saves run in a transaction, so that the change and its audit row (written by
  post_save) commit or roll back together;
- nothing is done when an instance is only read: the "old" side of a diff is read from
  the database when a save begins, in the save's transaction (audit.receivers);
- django-taggit's tag writes are atomic too;
- the signal receivers of audit.receivers are connected.
"""

import functools

from django.db import router, transaction

from . import receivers, registry


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
        receivers.connect(model, spec)
