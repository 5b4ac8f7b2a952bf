from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class UserAPIKey(AbstractAPIKey):
    """An API key that authenticates requests as its user (X-API-Key header).

    Keys are for servers and integrations: give each its own (service) user, whose
    permissions bound what the key can do. Only a hash of the key is stored; the key
    itself is shown once, when staff create it in the Admin.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("User"),
        help_text=_("Requests made with this key act as this user."),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
