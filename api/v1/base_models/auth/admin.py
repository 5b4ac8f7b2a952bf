from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import UserAPIKey

# Keys that authenticate as nobody are of no use here: staff manage UserAPIKeys only.
admin.site.unregister(APIKey)


@admin.register(UserAPIKey)
class UserAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "user"]
    list_filter = ["revoked", "created", "expiry_date"]
    list_select_related = ["user"]
    search_fields = [*APIKeyModelAdmin.search_fields, "user__username"]
    raw_id_fields = ["user"]
