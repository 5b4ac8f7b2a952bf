import re

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from . import sessions
from .models import AuthSession

User = get_user_model()


class OTPCodeField(serializers.CharField):
    """A one-time code: the 6 (or 8) digits an authenticator app shows; spaces ignored."""

    default_error_messages = {"invalid": _("Enter the 6-digit code of your authenticator app.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The current code of the authenticator app.")
        super().__init__(max_length=16, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).replace(" ", "")
        if not re.fullmatch(r"[0-9]{6,8}", code):
            self.fail("invalid")
        return code


def password_field(**kwargs):
    return serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


# ------------------------------------------------------------------------------ login
class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = password_field(max_length=4096)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived access token (Bearer).")
    refresh = serializers.CharField(help_text="Refresh token, single use (rotated).")


class TwoFactorChallengeSerializer(serializers.Serializer):
    two_factor_required = serializers.BooleanField(
        help_text="Always true: send the challenge and a code to /api/v1/auth/token/2fa/."
    )
    challenge = serializers.CharField(help_text="Opaque, signed, short-lived challenge.")
    expires_in = serializers.IntegerField(help_text="Seconds the challenge stays valid.")
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=["totp", "recovery_code"]),
        help_text="What the second step accepts: `totp` (a `code`), `recovery_code`.",
    )


class TwoFactorLoginSerializer(serializers.Serializer):
    """The challenge, and either the authenticator app's `code` or a `recovery_code`."""

    challenge = serializers.CharField(max_length=1024)
    code = OTPCodeField(required=False)
    recovery_code = serializers.CharField(
        max_length=32,
        required=False,
        help_text="One of the recovery codes given when TOTP was enabled (each works once).",
    )

    def validate(self, attrs):
        if ("code" in attrs) == ("recovery_code" in attrs):
            raise serializers.ValidationError(
                _("Send either a code of the authenticator app or a recovery code."),
                code="one_factor_required",
            )
        return attrs


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """simplejwt's refresh, refusing tokens of deleted or inactive users, and tokens
    issued before the user's last password change."""

    default_error_messages = {
        "no_active_account": _("No active account found for the given token."),
        "token_revoked": _("Token has been revoked; log in again."),
    }

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = User.objects.filter(
            **{jwt_settings.USER_ID_FIELD: refresh.payload.get(jwt_settings.USER_ID_CLAIM)}
        ).first()
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        if (
            jwt_settings.CHECK_REVOKE_TOKEN
            and refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM)
            != get_md5_hash_password(user.password)
        ) or sessions.is_revoked(refresh):
            raise exceptions.AuthenticationFailed(
                self.error_messages["token_revoked"], "token_revoked"
            )
        data = super().validate(attrs)
        if "refresh" in data:
            sessions.rotated(
                refresh[jwt_settings.JTI_CLAIM],
                self.token_class(data["refresh"], verify=False),
                self.context.get("request"),
            )
        return data


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to revoke.")

    def validate_refresh(self, value) -> RefreshToken:
        # TokenError (invalid, expired, already blacklisted) becomes a 401 in the view.
        return RefreshToken(value)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# -------------------------------------------------------------------------------- TOTP
class TOTPStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="A confirmed TOTP device protects logins.")
    pending_setup = serializers.BooleanField(help_text="A setup awaits verification.")
    recovery_codes_remaining = serializers.IntegerField(
        help_text="Unused recovery codes (0 when TOTP is off)."
    )


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Single-use codes for logging in without the app. Shown this once: "
        "keep them somewhere safe.",
    )


class TOTPEnabledSerializer(RecoveryCodesSerializer):
    detail = serializers.CharField()


class RecoveryCodesStatusSerializer(serializers.Serializer):
    remaining = serializers.IntegerField(help_text="Unused recovery codes.")


class TOTPSetupSerializer(serializers.Serializer):
    provisioning_uri = serializers.CharField(help_text="otpauth:// URI for authenticator apps.")
    qr_code = serializers.CharField(help_text="The URI as a PNG QR code (data: URI).")
    secret = serializers.CharField(help_text="Base32 secret, for typing in by hand.")


class TOTPCodeSerializer(serializers.Serializer):
    code = OTPCodeField()


class PasswordConfirmationSerializer(serializers.Serializer):
    password = password_field(max_length=4096, help_text="The user's current password.")


# --------------------------------------------------------------------------- passwords
class NewPasswordSerializer(serializers.Serializer):
    """A new password (checked by Django's validators for `password_user()`) and an
    optional confirmation. Django's form names, new_password1/new_password2, are
    accepted too."""

    new_password = password_field(max_length=4096)
    new_password_confirm = password_field(max_length=4096, required=False)

    _ALIASES = {"new_password1": "new_password", "new_password2": "new_password_confirm"}

    def to_internal_value(self, data):
        if hasattr(data, "items"):
            data = {self._ALIASES.get(key, key): value for key, value in data.items()}
        return super().to_internal_value(data)

    def password_user(self, attrs):
        return self.context["request"].user

    def validate(self, attrs):
        new_password = attrs["new_password"]
        confirmation = attrs.get("new_password_confirm")
        if confirmation is not None and confirmation != new_password:
            raise serializers.ValidationError(
                {"new_password_confirm": [_("The two password fields didn't match.")]},
                code="password_mismatch",
            )
        try:
            password_validation.validate_password(new_password, self.password_user(attrs))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": exc.messages}) from exc
        return attrs


class PasswordChangeSerializer(NewPasswordSerializer):
    """Old password, new password, optional confirmation."""

    old_password = password_field(max_length=4096)


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The account's email address.")


class PasswordResetConfirmSerializer(NewPasswordSerializer):
    """The `uid` and `token` of the emailed link, and the new password.

    The new password is checked once the link is known to be valid (for its user)."""

    uid = serializers.CharField(max_length=64, help_text="The `uid` of the emailed link.")
    token = serializers.CharField(max_length=128, help_text="The `token` of the emailed link.")

    def password_user(self, attrs):
        return self.context["reset_user"]


class PasswordChangeResponseSerializer(TokenPairSerializer):
    detail = serializers.CharField()


# ---------------------------------------------------------------------------- sessions
class AuthSessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text="This is the session of the token making the request."
    )

    class Meta:
        model = AuthSession
        fields = [
            "id",
            "created_at",
            "last_used_at",
            "expires_at",
            "ip_address",
            "user_agent",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, session) -> bool:
        return str(session.pk) == self.context.get("current_session_id")


class RevokeAllSessionsSerializer(serializers.Serializer):
    keep_current = serializers.BooleanField(
        default=False,
        help_text="Keep the session of the token making the request (log out elsewhere).",
    )


class SessionsRevokedSerializer(DetailSerializer):
    revoked = serializers.IntegerField(help_text="How many active sessions were signed out.")
