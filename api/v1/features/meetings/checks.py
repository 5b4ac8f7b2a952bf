"""System checks of the meetings' settings (`manage.py check`, run on startup)."""

from django.conf import settings
from django.core import checks

from .providers import PROVIDER_NAMES


@checks.register(checks.Tags.compatibility)
def check_meeting_providers(app_configs=None, **kwargs):
    """MEETING_PROVIDER and every provider of MEETING_PROVIDERS_BY_ORGANIZATION are
    providers the platform has: a typo would otherwise surface when someone schedules
    a meeting."""
    known = ", ".join(sorted(PROVIDER_NAMES))
    named = {"MEETING_PROVIDER": settings.MEETING_PROVIDER}
    for code, name in settings.MEETING_PROVIDERS_BY_ORGANIZATION.items():
        named[f"MEETING_PROVIDERS_BY_ORGANIZATION[{code!r}]"] = name
    return [
        checks.Error(
            f"{setting} is {name!r}, which is no meeting provider (choose one of {known}).",
            id="meetings.E001",
        )
        for setting, name in named.items()
        if name not in PROVIDER_NAMES
    ]
