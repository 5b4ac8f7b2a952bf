from django.contrib.auth import authenticate, user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core.exceptions import Conflict
from core.throttling import FailedAttemptViewMixin

from . import services
from .permissions import IsUserSession
from .serializers import (
    DetailSerializer,
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeResponseSerializer,
    PasswordChangeSerializer,
    PasswordConfirmationSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    TOTPCodeSerializer,
    TOTPSetupSerializer,
    TOTPStatusSerializer,
    TwoFactorChallengeSerializer,
    TwoFactorLoginSerializer,
)

TAG = "auth"
ERRORS = {
    400: OpenApiResponse(description="Invalid input: field errors."),
    401: OpenApiResponse(DetailSerializer, description="Missing or invalid credentials."),
    429: OpenApiResponse(DetailSerializer, description="Too many failed attempts."),
}
LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult",
    serializers=[TokenPairSerializer, TwoFactorChallengeSerializer],
    resource_type_field_name=None,
)


# Endpoints that manage credentials: a user login (JWT) only, API keys get 403.
USER_LOGIN_ONLY = [{"jwtAuth": []}]
ERRORS[403] = OpenApiResponse(DetailSerializer, description="Requires a user login (JWT).")


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


class PublicAuthView(FailedAttemptViewMixin, GenericAPIView):
    """Endpoints that establish identity: no prior authentication is read (a stale or
    expired access token sent along must not get in the way)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # With no authentication class DRF has no WWW-Authenticate challenge to send and
        # turns every AuthenticationFailed into a 403; failed logins are 401s (as in
        # simplejwt's own token views).
        return f'{jwt_settings.AUTH_HEADER_TYPES[0]} realm="api"'


class UserSessionView(FailedAttemptViewMixin, GenericAPIView):
    permission_classes = [IsUserSession]


# Enabling or disabling TOTP: done, bad input, or a state that does not allow it.
TOTP_CHANGE_RESPONSES = {
    200: DetailSerializer,
    409: OpenApiResponse(DetailSerializer, description="Not possible in the current state."),
    **_errors(400, 401, 403, 429),
}


# ------------------------------------------------------------------------------ login
class LoginView(PublicAuthView):
    """Log in with username and password.

    Returns a JWT pair, or, when the user has two-factor authentication enabled, a
    short-lived `challenge` to complete at `/api/v1/auth/token/2fa/` with a code.
    Failed attempts per client IP and username are throttled (429).
    """

    serializer_class = LoginSerializer
    throttle_scope = "login"

    def get_failed_attempt_ident(self, request, throttle):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        return f"ip:{throttle.get_ident(request)}:username:{str(username).lower()}"

    @extend_schema(tags=[TAG], auth=[], responses={200: LOGIN_RESULT, **_errors(400, 401, 429)})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # authenticate() sends user_login_failed itself when the credentials are wrong.
        user = authenticate(
            services.django_request(request),
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            self.record_failed_attempt()
            raise exceptions.AuthenticationFailed(
                _("No active account found with the given credentials."),
                code="no_active_account",
            )
        if services.requires_second_factor(user):
            return Response(
                {
                    "two_factor_required": True,
                    "challenge": services.create_challenge(user),
                    "expires_in": services.challenge_lifetime_seconds(),
                    "methods": services.TWO_FACTOR_METHODS,
                }
            )
        return Response(services.login(user, request))


class TwoFactorLoginView(PublicAuthView):
    """Second login step: the challenge from `/api/v1/auth/token/` and a TOTP code.

    Returns the JWT pair. Wrong codes are refused (401) and, repeated, throttled (429).
    """

    serializer_class = TwoFactorLoginSerializer
    throttle_scope = "otp"

    def get_failed_attempt_ident(self, request, throttle):
        token = request.data.get("challenge") if hasattr(request.data, "get") else None
        challenge = services.read_challenge(token) if isinstance(token, str) else None
        if challenge is not None:
            return f"user:{challenge.user.pk}"
        return f"ip:{throttle.get_ident(request)}"

    @extend_schema(
        tags=[TAG], auth=[], responses={200: TokenPairSerializer, **_errors(400, 401, 429)}
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = services.read_challenge(serializer.validated_data["challenge"])
        device = services.confirmed_totp_device(challenge.user) if challenge else None
        if device is None:
            self.record_failed_attempt()
            raise exceptions.AuthenticationFailed(
                _("Invalid or expired challenge; log in again."), code="invalid_challenge"
            )
        if not services.verify_totp(device, serializer.validated_data["code"]):
            self.record_failed_attempt()
            user_login_failed.send(
                sender=__name__,
                credentials={"username": challenge.user.get_username()},
                request=services.django_request(request),
            )
            raise exceptions.AuthenticationFailed(_("Invalid two-factor code."), code="invalid_otp")
        if not services.consume_challenge(challenge):
            raise exceptions.AuthenticationFailed(
                _("Invalid or expired challenge; log in again."), code="invalid_challenge"
            )
        return Response(services.login(challenge.user, request))


class TokenRefreshView(jwt_views.TokenRefreshView):
    """Exchange a refresh token for a new pair (the old refresh token is blacklisted)."""

    serializer_class = TokenRefreshSerializer

    @extend_schema(tags=[TAG], auth=[], responses={200: TokenPairSerializer, **_errors(400, 401)})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(PublicAuthView):
    """Log out: the refresh token is blacklisted and cannot be used again.

    Access tokens already issued stay valid until they expire (minutes).
    """

    serializer_class = LogoutSerializer
    throttle_classes = []

    @extend_schema(tags=[TAG], auth=[], responses={200: DetailSerializer, **_errors(400, 401)})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        services.logout(serializer.validated_data["refresh"], request)
        return Response({"detail": _("Logged out.")})


# -------------------------------------------------------------------------------- TOTP
class TOTPStatusView(UserSessionView):
    """Whether two-factor authentication (TOTP) is enabled for the current user."""

    serializer_class = TOTPStatusSerializer

    @extend_schema(
        tags=[TAG], auth=USER_LOGIN_ONLY, responses={200: TOTPStatusSerializer, **_errors(401, 403)}
    )
    def get(self, request):
        return Response(
            {
                "enabled": services.confirmed_totp_device(request.user) is not None,
                "pending_setup": services.pending_totp_device(request.user) is not None,
            }
        )


class TOTPSetupView(UserSessionView):
    """Start TOTP setup: a new secret as a provisioning URI and QR code.

    Scan it with an authenticator app, then confirm with `/verify/`. Starting again
    replaces an unfinished setup; when TOTP is already enabled, disable it first (409).
    """

    serializer_class = TOTPSetupSerializer

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        request=None,
        responses={
            200: TOTPSetupSerializer,
            409: OpenApiResponse(DetailSerializer),
            **_errors(401, 403),
        },
    )
    def post(self, request):
        if services.confirmed_totp_device(request.user) is not None:
            raise Conflict(_("Two-factor authentication is already enabled; disable it first."))
        device = services.start_totp_setup(request.user)
        return Response(
            {
                "provisioning_uri": device.config_url,
                "qr_code": services.qr_code_data_uri(device.config_url),
                "secret": services.totp_secret(device),
            }
        )


class TOTPVerifyView(UserSessionView):
    """Confirm TOTP setup with a code from the app; from then on logins ask for a code."""

    serializer_class = TOTPCodeSerializer
    # Its own budget: typos while setting up must not lock the user out of logging in.
    throttle_scope = "totp_setup"

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        responses=TOTP_CHANGE_RESPONSES,
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if services.confirmed_totp_device(request.user) is not None:
            raise Conflict(_("Two-factor authentication is already enabled."))
        device = services.pending_totp_device(request.user)
        if device is None:
            raise Conflict(
                _("No TOTP setup in progress; start one with /setup/."),
                code="totp_setup_required",
            )
        if not services.verify_totp(device, serializer.validated_data["code"]):
            self.record_failed_attempt()
            raise exceptions.ValidationError({"code": [_("Invalid code.")]})
        services.confirm_totp_device(device)
        return Response({"detail": _("Two-factor authentication is enabled.")})


class TOTPDisableView(UserSessionView):
    """Disable TOTP (removes the device); requires the current password."""

    serializer_class = PasswordConfirmationSerializer
    throttle_scope = "password"

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        responses=TOTP_CHANGE_RESPONSES,
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["password"]):
            self.record_failed_attempt()
            raise exceptions.ValidationError({"password": [_("Incorrect password.")]})
        if not services.has_totp_device(request.user):
            raise Conflict(_("Two-factor authentication is not enabled."))
        services.disable_totp(request.user)
        return Response({"detail": _("Two-factor authentication is disabled.")})


# --------------------------------------------------------------------------- passwords
class PasswordChangeView(UserSessionView):
    """Change the password (Django's password validators apply).

    Every token issued before stops working; the response carries a fresh pair.
    """

    serializer_class = PasswordChangeSerializer
    throttle_scope = "password"

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        responses={200: PasswordChangeResponseSerializer, **_errors(400, 401, 403, 429)},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["old_password"]):
            self.record_failed_attempt()
            raise exceptions.ValidationError(
                {"old_password": [_("Your old password was entered incorrectly.")]}
            )
        services.change_password(request.user, serializer.validated_data["new_password"])
        return Response(
            {
                "detail": _("Password changed."),
                **services.tokens_for(request.user),
            }
        )
