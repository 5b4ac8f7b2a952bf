from django.contrib.auth import authenticate, user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from audit.choices import AuditAction
from core.exceptions import Conflict
from core.throttling import FailedAttemptViewMixin, RequestRateThrottle

from . import notices, recovery_codes, services, sessions
from .models import AuthSession
from .permissions import IsUserSession
from .serializers import (
    AuthSessionSerializer,
    DetailSerializer,
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeResponseSerializer,
    PasswordChangeSerializer,
    PasswordConfirmationSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RecoveryCodesSerializer,
    RecoveryCodesStatusSerializer,
    RevokeAllSessionsSerializer,
    SessionsRevokedSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    TOTPCodeSerializer,
    TOTPEnabledSerializer,
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
                    "methods": services.second_factor_methods(user),
                }
            )
        return Response(services.login(user, request))


class TwoFactorLoginView(PublicAuthView):
    """Second login step: the challenge from `/api/v1/auth/token/` and a TOTP `code`,
    or one of the user's `recovery_code`s (each works once; using one is audited and
    told to the user by email).

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
        data = serializer.validated_data
        challenge = services.read_challenge(data["challenge"])
        device = services.confirmed_totp_device(challenge.user) if challenge else None
        if device is None:
            self.record_failed_attempt()
            raise exceptions.AuthenticationFailed(
                _("Invalid or expired challenge; log in again."), code="invalid_challenge"
            )
        if "recovery_code" in data:
            accepted = services.use_recovery_code(challenge.user, data["recovery_code"], request)
            refusal = (_("Invalid or already used recovery code."), "invalid_recovery_code")
        else:
            accepted = services.verify_totp(device, data["code"])
            refusal = (_("Invalid two-factor code."), "invalid_otp")
        if not accepted:
            self.record_failed_attempt()
            user_login_failed.send(
                sender=__name__,
                credentials={"username": challenge.user.get_username()},
                request=services.django_request(request),
            )
            raise exceptions.AuthenticationFailed(*refusal)
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
                "recovery_codes_remaining": recovery_codes.remaining(request.user),
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
    """Confirm TOTP setup with a code from the app; from then on logins ask for a code.

    The response carries ten single-use recovery codes, shown this once: each can stand
    in for the app at login (`recovery_code` at `/api/v1/auth/token/2fa/`).
    """

    serializer_class = TOTPCodeSerializer
    # Its own budget: typos while setting up must not lock the user out of logging in.
    throttle_scope = "totp_setup"

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        responses={**TOTP_CHANGE_RESPONSES, 200: TOTPEnabledSerializer},
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
        codes = services.confirm_totp_device(device, request)
        return Response(
            {"detail": _("Two-factor authentication is enabled."), "recovery_codes": codes}
        )


class TOTPDisableView(UserSessionView):
    """Disable TOTP (removes the device and the recovery codes); requires the current
    password."""

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
        services.disable_totp(request.user, request)
        return Response({"detail": _("Two-factor authentication is disabled.")})


# --------------------------------------------------------------------------- passwords
class PasswordChangeView(UserSessionView):
    """Change the password (Django's password validators apply).

    Every session is signed out (tokens issued before stop working); the response
    carries a fresh pair, in a new session. The user is told by email.
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
        services.change_password(request.user, serializer.validated_data["new_password"], request)
        return Response(
            {
                "detail": _("Password changed."),
                **services.tokens_for(request.user, request),
            }
        )


class PasswordResetClientThrottle(RequestRateThrottle):
    scope = "password_reset_client"


class PasswordResetAddressThrottle(RequestRateThrottle):
    scope = "password_reset_address"

    def ident_for(self, request, view) -> str:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        return f"email:{str(email).strip().lower()}"


class PasswordResetRequestView(PublicAuthView):
    """Ask for a password reset link by email.

    The answer is the same 202 whether or not an account has this address (nothing
    tells who has an account). If active accounts do, each gets an email with a link
    that works once, for PASSWORD_RESET_TIMEOUT_MINUTES, and stops working once the
    password changes. Requests are limited per address and per client (429).
    """

    serializer_class = PasswordResetRequestSerializer
    throttle_classes = [PasswordResetAddressThrottle, PasswordResetClientThrottle]

    @extend_schema(
        tags=[TAG],
        auth=[],
        responses={202: DetailSerializer, **_errors(400, 429)},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_password_reset(serializer.validated_data["email"], request)
        return Response(
            {
                "detail": _(
                    "If an account has this address, an email with a reset link is on its way."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(PublicAuthView):
    """Set a new password with the `uid` and `token` of the emailed link.

    Django's password validators apply. Every session of the account is signed out and
    the link stops working; two-factor authentication still applies at the next login.
    Invalid or expired links are a 400 on `token`; repeated, they are throttled (429).
    """

    serializer_class = PasswordResetConfirmSerializer
    throttle_scope = "password_reset_confirm"

    @extend_schema(tags=[TAG], auth=[], responses={200: DetailSerializer, **_errors(400, 429)})
    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        uid, token = data.get("uid"), data.get("token")
        self.reset_user = user = (
            services.password_reset_user(uid, token)
            if isinstance(uid, str) and isinstance(token, str)
            else None
        )
        serializer = self.get_serializer(data=request.data)
        if user is None:
            serializer.is_valid()  # field errors of the rest of the body, if any
            self.record_failed_attempt()
            errors = dict(serializer.errors)
            errors.pop("new_password", None)  # no user to check the password against
            errors.setdefault("token", [_("This password reset link is invalid or has expired.")])
            raise exceptions.ValidationError(errors)
        serializer.is_valid(raise_exception=True)
        services.reset_password(user, serializer.validated_data["new_password"], request)
        return Response({"detail": _("Your password has been set; log in with it.")})

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reset_user": getattr(self, "reset_user", None)}


# ------------------------------------------------------------------------ recovery codes
class RecoveryCodesView(UserSessionView):
    """Recovery codes of the second factor: how many are left (GET), or a new set
    (POST, with the current password; the previous codes stop working)."""

    serializer_class = PasswordConfirmationSerializer
    throttle_scope = "password"

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        responses={200: RecoveryCodesStatusSerializer, **_errors(401, 403)},
    )
    def get(self, request):
        return Response({"remaining": recovery_codes.remaining(request.user)})

    @extend_schema(
        tags=[TAG],
        auth=USER_LOGIN_ONLY,
        responses={
            200: RecoveryCodesSerializer,
            409: OpenApiResponse(DetailSerializer, description="TOTP is not enabled."),
            **_errors(400, 401, 403, 429),
        },
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["password"]):
            self.record_failed_attempt()
            raise exceptions.ValidationError({"password": [_("Incorrect password.")]})
        if services.confirmed_totp_device(request.user) is None:
            raise Conflict(
                _("Two-factor authentication is not enabled; enable TOTP first."),
                code="totp_required",
            )
        return Response(
            {"recovery_codes": services.regenerate_recovery_codes(request.user, request)}
        )


# ------------------------------------------------------------------------------ sessions
@extend_schema_view(
    list=extend_schema(summary="The caller's active login sessions, most recently used first"),
    retrieve=extend_schema(summary="One of the caller's login sessions"),
    destroy=extend_schema(
        summary="Sign a session out",
        description="Its refresh token is blacklisted; access tokens it issued stay valid "
        "until they expire (minutes).",
    ),
)
@extend_schema(tags=[TAG], auth=USER_LOGIN_ONLY)
class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's login sessions: one per login, followed across token refreshes,
    with when and from where (client IP, user agent) it was last used."""

    serializer_class = AuthSessionSerializer
    permission_classes = [IsUserSession]
    search_fields = ["user_agent"]
    json_filter_fields = ("created_at", "last_used_at", "expires_at", "ip_address", "user_agent")
    ordering_fields = ["created_at", "last_used_at", "expires_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuthSession.objects.none()
        return sessions.active_for(self.request.user)

    def current_session(self):
        return sessions.session_of(getattr(self.request, "auth", None))

    def get_serializer_context(self):
        current = self.current_session()
        return {
            **super().get_serializer_context(),
            "current_session_id": str(current.pk) if current else None,
        }

    def perform_destroy(self, session):
        revoked = sessions.revoke(self.get_queryset().filter(pk=session.pk))
        self._notify(revoked)

    def _notify(self, revoked: int):
        if revoked:
            notices.record(
                AuditAction.SESSION_REVOKE,
                self.request.user,
                request=self.request,
                context={"sessions": revoked},
            )

    @extend_schema(
        summary="Log out everywhere",
        request=RevokeAllSessionsSerializer,
        responses={200: SessionsRevokedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request):
        """Sign out every session of the caller (their refresh tokens are blacklisted),
        or every other one with `keep_current`."""
        serializer = RevokeAllSessionsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keep = self.current_session() if serializer.validated_data["keep_current"] else None
        revoked = sessions.revoke_all(request.user, keep=keep)
        self._notify(revoked)
        return Response({"detail": _("Sessions signed out."), "revoked": revoked})
