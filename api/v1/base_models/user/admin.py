from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User, UserProfile


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    fk_name = "user"
    verbose_name_plural = "Profile"
    raw_id_fields = ["manager"]
    fields = [
        "job_title",
        "employee_id",
        "phone_number",
        "manager",
        "language",
        "timezone",
        "date_format",
        "time_format",
        "notification_preferences",
        "custom_fields",
        "profile_picture",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [UserProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "job_title", "is_staff"]
    list_select_related = ["profile"]
    search_fields = ["username", "first_name", "last_name", "email", "profile__employee_id"]

    @admin.display(description="Job title", ordering="profile__job_title")
    def job_title(self, obj):
        return obj.profile.job_title

    def get_inline_instances(self, request, obj=None):
        # The profile is created with the user (post_save signal): edit it once the
        # user exists, never alongside the add form where it would be created twice.
        if obj is None:
            return []
        return super().get_inline_instances(request, obj)
