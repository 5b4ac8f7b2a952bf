from django.urls import path

from . import views

urlpatterns = [
    path("token/", views.LoginView.as_view(), name="token-obtain"),
    path("token/2fa/", views.TwoFactorLoginView.as_view(), name="token-obtain-2fa"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("2fa/totp/", views.TOTPStatusView.as_view(), name="totp-status"),
    path("2fa/totp/setup/", views.TOTPSetupView.as_view(), name="totp-setup"),
    path("2fa/totp/verify/", views.TOTPVerifyView.as_view(), name="totp-verify"),
    path("2fa/totp/disable/", views.TOTPDisableView.as_view(), name="totp-disable"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
]
