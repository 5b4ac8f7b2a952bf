import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class FileSizeValidator:
    """Refuses files larger than the setting named `setting_name` (a size in bytes).

    The limit is read at validation time, so deployments tune it without a migration.
    """

    def __init__(self, setting_name: str):
        self.setting_name = setting_name

    def __call__(self, file) -> None:
        limit = getattr(settings, self.setting_name)
        if file is not None and file.size > limit:
            raise ValidationError(
                _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes."),
                code="file_too_large",
                params={"size": file.size, "limit": limit},
            )

    def __eq__(self, other):
        return isinstance(other, FileSizeValidator) and other.setting_name == self.setting_name


@cache
def available_timezones() -> frozenset[str]:
    """IANA time zone names (from the tzdata package, so the same on every machine)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("'%(value)s' is not a valid IANA time zone (for example 'Europe/Paris')."),
            code="invalid_timezone",
            params={"value": value},
        )


def validate_language(value: str) -> None:
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("'%(value)s' is not a supported language code (for example 'en' or 'fr')."),
            code="invalid_language",
            params={"value": value},
        )
