import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.fields import JSONField
from core.models import Auditable, CustomFieldsModel, Timestamped
from core.validators import FileSizeValidator, validate_language, validate_timezone

from .choices import DateFormat, TimeFormat
from .validators import validate_notification_preferences


class User(AbstractUser):
    """The project's user model: Django's fields, owned by the project from the first
    migration so that it can grow (Django recommends this for every new project).

    ERP attributes and preferences of a person live in UserProfile; the organizations a
    user works in and the role held in each, in OrganizationMembership.
    """

    def get_organizations(self):
        """The organizations of the user's active memberships."""
        from api.v1.base_models.organization.models import Organization

        return Organization.objects.filter(
            memberships__user=self, memberships__is_active=True
        ).distinct()


def default_language() -> str:
    return settings.LANGUAGE_CODE


def profile_picture_path(instance: "UserProfile", filename: str) -> str:
    # A fresh name per upload: no collisions, no stale copies in browser caches.
    suffix = PurePath(filename).suffix.lower()
    return f"profile_pictures/{instance.user_id}/{uuid.uuid4().hex}{suffix}"


class UserProfile(Timestamped, Auditable, CustomFieldsModel):
    """ERP attributes and preferences of a user; created automatically with the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("User"),
    )
    job_title = models.CharField(_("Job Title"), max_length=100, blank=True)
    employee_id = models.CharField(
        _("Employee ID"),
        max_length=50,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Unique employee identifier; empty when not applicable."),
    )
    phone_number = PhoneNumberField(
        _("Phone Number"),
        blank=True,
        help_text=_("International format, for example +14155552671."),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("Manager"),
    )
    language = models.CharField(
        _("Language"),
        max_length=15,
        default=default_language,
        validators=[validate_language],
        help_text=_("Language code from settings.LANGUAGES, for example 'en' or 'pt-br'."),
    )
    timezone = models.CharField(
        _("Time Zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("IANA time zone name, for example 'Europe/Paris'."),
    )
    date_format = models.CharField(
        _("Date Format"), max_length=12, choices=DateFormat.choices, default=DateFormat.ISO
    )
    time_format = models.CharField(
        _("Time Format"), max_length=3, choices=TimeFormat.choices, default=TimeFormat.H24
    )
    notification_preferences = JSONField(
        _("Notification Preferences"),
        default=dict,
        blank=True,
        validators=[validate_notification_preferences],
        help_text=_(
            'Channel switches, globally ({"email": false}) or per notification type '
            '({"comment_mention": {"in_app": true, "email": false}}).'
        ),
    )
    profile_picture = models.ImageField(
        _("Profile Picture"),
        upload_to=profile_picture_path,
        null=True,
        blank=True,
        validators=[FileSizeValidator("PROFILE_PICTURE_MAX_SIZE")],
    )

    class Meta:
        verbose_name = _("User Profile")
        verbose_name_plural = _("User Profiles")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.username

    def clean(self):
        super().clean()
        if self.employee_id == "":
            self.employee_id = None
        if self.manager_id is not None:
            try:
                validate_manager(self.user, self.manager)
            except ValidationError as exc:
                raise ValidationError({"manager": exc.error_list}) from exc


def validate_manager(user, manager) -> None:
    """A user cannot manage themselves, directly or through a chain of managers."""
    if manager is None:
        return
    if manager.pk == user.pk:
        raise ValidationError(_("A user cannot be their own manager."), code="self_manager")
    seen = {user.pk}
    current_id = manager.pk
    while current_id is not None and current_id not in seen:
        seen.add(current_id)
        current_id = (
            UserProfile.objects.filter(user_id=current_id)
            .values_list("manager_id", flat=True)
            .first()
        )
    if current_id == user.pk:
        raise ValidationError(
            _("This manager reports, directly or indirectly, to this user."),
            code="manager_cycle",
        )
