from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api_keys import APIKeyViewSet

router = SimpleRouter()
router.register("sessions", views.SessionViewSet, basename="auth-session")
# The caller's own API keys: api-keys/, api-keys/{prefix}/, api-keys/{prefix}/revoke/.
router.register("api-keys", APIKeyViewSet, basename="api-key")

urlpatterns = [
    path("token/", views.LoginView.as_view(), name="token-obtain"),
    path("token/2fa/", views.TwoFactorLoginView.as_view(), name="token-obtain-2fa"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("2fa/totp/", views.TOTPStatusView.as_view(), name="totp-status"),
    path("2fa/totp/setup/", views.TOTPSetupView.as_view(), name="totp-setup"),
    path("2fa/totp/verify/", views.TOTPVerifyView.as_view(), name="totp-verify"),
    path("2fa/totp/disable/", views.TOTPDisableView.as_view(), name="totp-disable"),
    path("2fa/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery-codes"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
urlpatterns += router.urls
