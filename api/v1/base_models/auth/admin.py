from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from . import sessions
from .models import AuthSession, UserAPIKey

# Keys that authenticate as nobody are of no use here: staff manage UserAPIKeys only.
admin.site.unregister(APIKey)


@admin.register(UserAPIKey)
class UserAPIKeyAdmin(APIKeyModelAdmin):
    """Every user's keys (users manage their own at /api/v1/auth/api-keys/ too)."""

    list_display = [*APIKeyModelAdmin.list_display, "read_only", "last_used_at", "user"]
    list_filter = ["revoked", "read_only", "created", "expiry_date", "last_used_at"]
    list_select_related = ["user"]
    search_fields = [*APIKeyModelAdmin.search_fields, "user__username"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        fields = (*super().get_readonly_fields(request, obj), "last_used_at")
        if obj is not None and obj.revoked:
            # A revoked key is refused whatever it says: it stays as it was revoked.
            fields = (*fields, "read_only")
        return fields


@admin.register(AuthSession)
class AuthSessionAdmin(admin.ModelAdmin):
    """Every user's login sessions; "Sign out" revokes them (their refresh tokens stop
    working). Sessions are made by logins only, and kept once signed out (a deleted
    session could not refuse its refresh token)."""

    list_display = ["user", "user_agent", "ip_address", "created_at", "last_used_at", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user_agent", "ip_address"]
    date_hierarchy = "last_used_at"
    actions = ["sign_out"]
    readonly_fields = [field.name for field in AuthSession._meta.fields]

    @admin.display(description=_("State"))
    def state(self, session) -> str:
        if session.revoked_at is not None:
            return _("signed out")
        return _("active") if session.is_active else _("expired")

    @admin.action(description=_("Sign out the selected sessions"), permissions=["change"])
    def sign_out(self, request, queryset):
        signed_out = sessions.revoke(queryset)
        self.message_user(request, _("%(count)d sessions signed out.") % {"count": signed_out})

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
