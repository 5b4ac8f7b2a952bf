"""The feature registry: which platform features each model of the project has.

Each app registers its models once, from its AppConfig.ready():

    from core.registry import register_models
    register_models(*self.get_models())

and the registry derives every model's features from what the model is, so that no
feature needs an opt-in of its own and none can be forgotten:

- scoped: its rows belong to an organization. The path from the model to that
  organization's id is the model's `organization_path` class attribute (a queryset
  path such as "contact__organization"), else "organization" for a foreign key of that
  name to Organization, else "pk" for Organization itself. Unscoped models are shared
  data.
- audited: it inherits core.models.Auditable, or settings.AUDIT["INCLUDE"] names it, and
  AUDIT["EXCLUDE"] does not (`is_audited_model`, which the audit app reads too). An
  audited model's changes are logged and emit model change events (core.events);
- taggable: it has a TaggableManager (django-taggit);
- custom_fields: it inherits core.models.CustomFieldsModel;
- workflow: it has a django-fsm state field;
- tree: it is a django-mptt tree.

A model also declares what the default roles may do with it, as `default_grants`:
{"administrator" | "member" | "auditor" | "viewer": ("view", "add", ...)}, verbs being
its permissions (Django's four and those of its Meta.permissions, named
"<verb>_<model>"). rbac.roles builds the default roles from them.

Features read it instead of scanning and guessing: tags, audit, the tenancy checks and
`rbac.access.visible_to` ("the records this user may see"). This module imports
nothing of the project but core.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

ORGANIZATION_MODEL = "organization.organization"
FEATURES = ("scoped", "audited", "taggable", "custom_fields", "workflow", "tree")
# The default roles a model may grant verbs to (rbac.roles names them).
DEFAULT_ROLES = ("administrator", "member", "auditor", "viewer")
ALL = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class ModelFeatures:
    model: type
    organization_path: str | None
    audited: bool
    taggable: bool
    custom_fields: bool
    workflow: bool
    tree: bool
    default_grants: dict = field(default_factory=dict)  # role key -> verbs

    @property
    def scoped(self) -> bool:
        return self.organization_path is not None

    @property
    def names(self) -> set[str]:
        return {name for name in FEATURES if getattr(self, name)}


_registry: dict[type, ModelFeatures] = {}


def _is_organization(model) -> bool:
    return model is not None and model._meta.concrete_model._meta.label_lower == ORGANIZATION_MODEL


def is_organization(obj) -> bool:
    """Whether a model (or an instance of it) is the Organization, the tenant."""
    return _is_organization(obj if isinstance(obj, type) else type(obj))


def organization_model():
    """The Organization model (by its label: core imports no app)."""
    from django.apps import apps

    return apps.get_model(ORGANIZATION_MODEL)


def _check_path(model, path: str) -> None:
    """The path must lead, relation by relation, to an Organization."""
    current = model
    for step in path.split("__"):
        try:
            relation = current._meta.get_field(step)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(
                f"{model._meta.label}.organization_path {path!r}: no field {step!r} "
                f"on {current._meta.label}."
            ) from exc
        current = relation.related_model
        if current is None:
            break
    if not _is_organization(current):
        raise ImproperlyConfigured(
            f"{model._meta.label}.organization_path {path!r} does not lead to an Organization."
        )


def organization_path_of(model) -> str | None:
    """The queryset path from `model` to the id of the organization its rows belong to
    ("pk" for organizations themselves); None for shared data."""
    declared = getattr(model, "organization_path", None)
    if isinstance(declared, str):
        _check_path(model, declared)
        return declared
    if _is_organization(model):
        return "pk"
    try:
        relation = model._meta.get_field("organization")
    except FieldDoesNotExist:
        return None
    if (relation.many_to_one or relation.one_to_one) and _is_organization(relation.related_model):
        return "organization"
    return None


def _model_verbs(model) -> set[str]:
    name = model._meta.model_name
    custom = {codename for codename, _label in model._meta.permissions}
    return set(model._meta.default_permissions) | {
        codename.removesuffix(f"_{name}") for codename in custom if codename.endswith(f"_{name}")
    }


def default_grants_of(model) -> dict[str, tuple[str, ...]]:
    """The model's `default_grants`, checked: known roles, verbs it has permissions for."""
    grants = getattr(model, "default_grants", None) or {}
    verbs = _model_verbs(model)
    for role, granted in grants.items():
        if role not in DEFAULT_ROLES:
            raise ImproperlyConfigured(
                f"{model._meta.label}.default_grants: unknown role {role!r}; "
                f"one of {', '.join(DEFAULT_ROLES)}."
            )
        unknown = set(granted) - verbs
        if unknown:
            raise ImproperlyConfigured(
                f"{model._meta.label}.default_grants[{role!r}]: no permission for "
                f"{', '.join(sorted(unknown))}."
            )
    return {role: tuple(granted) for role, granted in grants.items()}


def is_audited_model(model) -> bool:
    """Whether the model's changes are audited (and emit change events): it inherits
    core.models.Auditable or settings.AUDIT["INCLUDE"] names it, and AUDIT["EXCLUDE"]
    does not. Read from the settings on each call (models outside the registry too)."""
    from .models import Auditable

    config = getattr(settings, "AUDIT", {})
    label = model._meta.label_lower
    if model._meta.abstract or label in {each.lower() for each in config.get("EXCLUDE", [])}:
        return False
    return issubclass(model, Auditable) or label in {
        each.lower() for each in config.get("INCLUDE", [])
    }


def describe(model) -> ModelFeatures:
    """The features of a model, derived from its base classes and fields."""
    from django_fsm import FSMFieldMixin
    from mptt.models import MPTTModel
    from taggit.managers import TaggableManager

    from .models import CustomFieldsModel

    fields = model._meta.get_fields()
    return ModelFeatures(
        model=model,
        organization_path=organization_path_of(model),
        audited=is_audited_model(model),
        taggable=any(isinstance(each, TaggableManager) for each in fields),
        custom_fields=issubclass(model, CustomFieldsModel),
        workflow=any(isinstance(each, FSMFieldMixin) for each in fields),
        tree=issubclass(model, MPTTModel),
        default_grants=default_grants_of(model),
    )


def register_models(*models) -> None:
    """Record the features of these models (from an AppConfig.ready())."""
    for model in models:
        if not model._meta.abstract and not model._meta.proxy:
            _registry[model] = describe(model)


def get(model) -> ModelFeatures | None:
    """The features of a registered model (or of the concrete model of a proxy)."""
    return _registry.get(model) or _registry.get(model._meta.concrete_model)


def features(model) -> ModelFeatures:
    """The features of a model, registered or not (then derived on the spot)."""
    return get(model) or describe(model._meta.concrete_model)


def organization_path(model) -> str | None:
    """The organization path of a model: registered or not, read the same way."""
    features = get(model)
    return features.organization_path if features else organization_path_of(model)


def models_with(feature: str) -> list[type]:
    """The registered models that have a feature (one of FEATURES)."""
    if feature not in FEATURES:
        raise ValueError(f"Unknown feature {feature!r}; one of {', '.join(FEATURES)}.")
    return [model for model, features in _registry.items() if getattr(features, feature)]


def registered_models() -> list[type]:
    return list(_registry)


def is_business_record(model) -> bool:
    """Whether records of `model` are an organization's business records, which
    comments and documents may be about: scoped, and not bookkeeping (a model says so
    with `business_record = False`: the audit log, memberships, files, notifications...)."""
    if model is None or organization_path(model) is None:
        return False
    return getattr(model, "business_record", True)


def organization_id_of(record) -> int | None:
    """The id of the organization a stored record belongs to, read along its model's
    organization path (one query); None for shared data."""
    model = type(record)
    path = organization_path(model)
    if path is None:
        return None
    return model._default_manager.filter(pk=record.pk).values_list(path, flat=True).first()
