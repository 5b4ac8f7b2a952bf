"""The Django Admin site, aware of two-factor authentication, and without lost updates.

Staff who have confirmed a TOTP device must enter its code on the Admin login page,
just as the API asks for it after the password; staff without a device log in with
their password alone.

Every change form carries the version (ETag, core.conditional) of the record it was
opened on, and refuses to save over a change someone else made since: the record's
row is locked while its version is compared and the change is saved, in the Admin's
transaction. The site gives every ModelAdmin registered on it this behaviour.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm

from .conditional import record_etag, stored_etag

VERSION_FIELD = "_record_version"
STALE_FORM = _(
    "Someone else changed this record since you opened this page: your changes were not "
    "saved. Open the record again to see the current values, then make your changes."
)


def _versioned_form(form_class, instance):
    """`form_class` with a hidden field holding `instance`'s version, checked on save."""

    def clean(self):
        cleaned = super(versioned, self).clean()
        sent = self.data.get(VERSION_FIELD)
        if sent and self.instance.pk is not None:
            current = stored_etag(type(self.instance), self.instance.pk, lock=True)
            if current != sent:
                raise forms.ValidationError(STALE_FORM, code="stale")
        return cleaned

    versioned = type(
        form_class.__name__,
        (form_class,),
        {
            VERSION_FIELD: forms.CharField(
                widget=forms.HiddenInput, required=False, initial=record_etag(instance)
            ),
            "clean": clean,
        },
    )
    return versioned


class ConcurrentEditAdminMixin:
    """The change form of an existing record carries its version and refuses to save
    over a change made since (see the module's docstring)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and obj.pk is not None and self.has_change_permission(request, obj):
            kwargs["form"] = _versioned_form(kwargs.get("form", self.form), obj)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if (
            obj is None
            or obj.pk is None
            or not fieldsets
            or not self.has_change_permission(request, obj)
            or VERSION_FIELD in flatten_fieldsets(fieldsets)
        ):
            return fieldsets
        (name, options), *rest = fieldsets
        options = {**options, "fields": [*options["fields"], VERSION_FIELD]}
        return [(name, options), *rest]


class AdminAuthenticationForm(OTPAdminAuthenticationForm):
    def clean_otp(self, user):
        if user is None or not user_has_device(user, confirmed=True):
            return
        super().clean_otp(user)

    def _chosen_device(self, user):
        # With a single device (the usual case), use it without asking to pick it.
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


class AdminSite(admin.AdminSite):
    site_header = "ERP Platform administration"
    site_title = "ERP Platform"
    index_title = "Administration"
    login_form = AdminAuthenticationForm
    login_template = "otp/admin111/login.html"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ConcurrentEditAdminMixin):
            admin_class = type(admin_class.__name__, (ConcurrentEditAdminMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        return user.is_verified() or not user_has_device(user, confirmed=True)
