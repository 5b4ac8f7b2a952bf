"""The Django Admin site, aware of two-factor authentication.

Staff who have confirmed a TOTP device must enter its code on the Admin login page,
just as the API asks for it after the password; staff without a device log in with
their password alone.
"""

from django.contrib import admin
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm


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

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        return user.is_verified() or not user_has_device(user, confirmed=True)
