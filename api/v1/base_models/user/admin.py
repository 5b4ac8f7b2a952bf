from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import User, UserProfile
from .services import picture_response


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
        "picture",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]
    # The picture is uploaded through the API, where the file layer checks it; here it
    # is shown through a view that checks the staff member's permission.
    readonly_fields = ["picture", "created_at", "updated_at", "created_by", "updated_by"]

    @admin.display(description=_("Profile picture"))
    def picture(self, profile):
        if not profile.profile_picture:
            return "-"
        url = reverse("admin:users_user_picture", args=[profile.user_id])
        return format_html('<a href="{}">{}</a>', url, _("View"))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [UserProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "job_title", "is_staff"]
    list_select_related = ["profile"]
    search_fields = ["username", "first_name", "last_name", "email", "profile__employee_id"]

    @admin.display(description="Job title", ordering="profile__job_title")
    def job_title(self, obj):
        return obj.profile.job_title

    def get_urls(self):
        return [
            path(
                "<path:object_id>/picture/",
                self.admin_site.admin_view(self.picture_view),
                name="users_user_picture",
            ),
            *super().get_urls(),
        ]

    def picture_view(self, request, object_id):
        user = self.get_object(request, object_id)
        if user is None or not self.has_view_permission(request, user):
            raise Http404
        profile = getattr(user, "profile", None)
        if profile is None or not profile.profile_picture:
            raise Http404
        return picture_response(request, profile)

    def get_inline_instances(self, request, obj=None):
        # The profile is created with the user (post_save signal): edit it once the
        # user exists, never alongside the add form where it would be created twice.
        if obj is None:
            return []
        return super().get_inline_instances(request, obj)
