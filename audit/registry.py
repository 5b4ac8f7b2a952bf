"""Which models are audited, and how: declared once, in settings.AUDIT.

Every concrete model of the project that inherits core.models.Auditable is audited,
unless listed in AUDIT["EXCLUDE"]; AUDIT["INCLUDE"] adds models that are not Auditable
(users, API keys, TOTP devices, roles). The feature registry decides it
(core.registry.is_audited_model), so that its `audited` feature and this app agree.
`audit.install.connect_all()` (from AuditConfig.ready) connects the signal receivers of
every audited model: nothing is connected by hand. This module only describes the
models; it imports no receiver.

Per model, the registry knows:
- the fields whose values are masked (AUDIT["MASKED_FIELDS"]: a name for every model,
  or "app_label.model.field");
- the fields left out of diffs (timestamps, audit users, MPTT bookkeeping, and
  AUDIT["IGNORED_FIELDS"]);
- how to find the organization an object belongs to: itself for a top-level
  organization, its parent for a sub-organization (the history stays with the
  organization that owns it, even after the sub-organization is deleted), the
  organization of scoped records, by the path the feature registry knows
  (core.registry: "contact__organization" for a contact's e-mail addresses), or the
  path declared in AUDIT["ORGANIZATION_PATHS"] for a model outside the registry;
- which field identifies an object in the log (AUDIT["OBJECT_ID_FIELDS"], for models
  whose primary key must not be logged, like API keys whose id embeds the key hash).

Audited models also save in a transaction (see `_atomic_save_base`), so that the audit
row written by post_save commits or rolls back with the change it records.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings

from core.registry import is_audited_model, organization_path

ALWAYS_IGNORED = {"created_at", "updated_at", "created_by", "updated_by"}
MPTT_FIELDS = {"lft", "rght", "tree_id", "level"}


@dataclass
class AuditedModel:
    model: type
    masked: set[str] = field(default_factory=set)
    ignored: set[str] = field(default_factory=set)
    organization_path: str | None = None
    object_id_field: str | None = None
    # Concrete fields as (name, attname), in declaration order.
    fields: list[tuple[str, str]] = field(default_factory=list)
    m2m_fields: dict[str, object] = field(default_factory=dict)  # through model -> field


_registry: dict[type, AuditedModel] = {}


def _config() -> dict:
    return getattr(settings, "AUDIT", {})


def _label(model) -> str:
    return model._meta.label_lower


def audited_models() -> list[type]:
    """The installed models that are audited (core.registry.is_audited_model)."""
    return [model for model in apps.get_models() if is_audited_model(model)]


def _registered_path(model) -> str | None:
    """The organization path of the feature registry, as attributes ("a.b")."""
    path = organization_path(model)
    if path in (None, "pk", "organization"):
        return None  # the object itself, or its `organization`: see services.organization_of
    return path.replace("__", ".")


def _describe(model) -> AuditedModel:
    config = _config()
    label = _label(model)
    masked = set()
    for entry in config.get("MASKED_FIELDS", []):
        parts = entry.lower().rsplit(".", 1)
        if len(parts) == 1:
            masked.add(parts[0])
        elif parts[0] == label:
            masked.add(parts[1])
    ignored = set(ALWAYS_IGNORED)
    for entry in config.get("IGNORED_FIELDS", []):
        parts = entry.lower().rsplit(".", 1)
        if len(parts) == 1:
            ignored.add(parts[0])
        elif parts[0] == label:
            ignored.add(parts[1])
    if hasattr(model, "_mptt_meta"):
        ignored |= MPTT_FIELDS
    fields = [
        (f.name, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in ignored and not f.primary_key
    ]
    m2m = {}
    for f in model._meta.get_fields():
        through = getattr(getattr(f, "remote_field", None), "through", None)
        if f.many_to_many and not f.auto_created and through is not None:
            m2m[through] = f
    return AuditedModel(
        model=model,
        masked=masked,
        ignored=ignored,
        organization_path=config.get("ORGANIZATION_PATHS", {}).get(label)
        or _registered_path(model),
        object_id_field=config.get("OBJECT_ID_FIELDS", {}).get(label),
        fields=fields,
        m2m_fields=m2m,
    )


def get(model) -> AuditedModel | None:
    return _registry.get(model)


def is_audited(model) -> bool:
    return model in _registry


def register(model) -> AuditedModel:
    """Describe an audited model (once); audit.install connects it."""
    if model not in _registry:
        _registry[model] = _describe(model)
    return _registry[model]
