"""System checks of the project's own settings (`manage.py check`, run on startup)."""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .filtering.paths import AllowedFields


@checks.register(checks.Tags.compatibility)
def check_allowed_filter_fields(app_configs=None, **kwargs):
    """Every model and field path of ALLOWED_FILTER_FIELDS exists: a typo there would
    otherwise surface as a server error on the first filter that reaches it."""
    errors = []
    for label, fields in getattr(settings, "ALLOWED_FILTER_FIELDS", {}).items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            errors.append(
                checks.Error(
                    f"ALLOWED_FILTER_FIELDS names {label!r}, which is not a model "
                    '("app_label.modelname").',
                    id="core.E001",
                )
            )
            continue
        try:
            AllowedFields(model, fields).check()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(f"ALLOWED_FILTER_FIELDS: {exc}", id="core.E002"))
    return errors


@checks.register(checks.Tags.security)
def check_metrics_networks(app_configs=None, **kwargs):
    """METRICS_ALLOWED_NETWORKS holds networks: a typo would otherwise fail every scrape."""
    from .metrics import networks

    try:
        networks(settings.METRICS_ALLOWED_NETWORKS)
    except ValueError as exc:
        return [checks.Error(f"METRICS_ALLOWED_NETWORKS: {exc}", id="core.E003")]
    return []
