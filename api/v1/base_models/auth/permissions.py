from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .models import UserAPIKey


class IsUserSession(BasePermission):
    """A person logged in with a JWT, not a server holding an API key.

    API keys act for integrations; they must not change the password or the second
    factor of the user they act as.
    """

    message = _("This endpoint requires a user login (JWT); API keys cannot use it.")

    def describe_access(self, view) -> str:
        return "A user signed in with a JWT (API keys are refused)."

    def has_permission(self, request, view):
        return bool(
            request.user
            and request.user.is_authenticated
            and not isinstance(request.auth, UserAPIKey)
        )
