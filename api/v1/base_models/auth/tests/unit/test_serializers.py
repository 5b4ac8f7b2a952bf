"""Serializers with logic of their own: the one-time code field and the password change."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from api.v1.base_models.auth.serializers import (
    OTPCodeField,
    PasswordChangeSerializer,
    TwoFactorLoginSerializer,
)


class CodeSerializer(serializers.Serializer):
    code = OTPCodeField()


def code_errors(value):
    serializer = CodeSerializer(data={"code": value})
    assert not serializer.is_valid()
    return serializer.errors["code"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        (" 12 34 56 ", "123456"),
        ("1234567", "1234567"),
        ("12345678", "12345678"),
    ],
)
def test_otp_code_field_accepts_six_to_eight_digits(value, expected):
    serializer = CodeSerializer(data={"code": value})

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["code"] == expected


@pytest.mark.parametrize(
    "value", ["abc", "12", "12345", "123456789", "1" * 17, "12345a", "123-456", "12.3456"]
)
def test_otp_code_field_refuses_anything_else(value):
    assert code_errors(value)[0].code == "invalid"


def test_otp_code_field_takes_text_only():
    """A JSON number would lose a code's leading zeros (012345): the schema says string."""
    assert code_errors(123456)[0] == "Enter the 6-digit code of your authenticator app."


@pytest.mark.parametrize("value", ["", None])
def test_otp_code_field_is_required(value):
    assert code_errors(value)[0].code in {"blank", "null"}


def test_two_factor_login_serializer_limits_the_challenge_length():
    serializer = TwoFactorLoginSerializer(data={"challenge": "x" * 1025, "code": "123456"})

    assert not serializer.is_valid()
    assert serializer.errors["challenge"][0].code == "max_length"


class TestPasswordChangeSerializer:
    @pytest.fixture
    def context(self, user):
        request = APIRequestFactory().post("/")
        request.user = user
        return {"request": request}

    def test_aliases_map_to_the_field_names(self, context):
        serializer = PasswordChangeSerializer(
            data={
                "old_password": "old",
                "new_password1": "a-strong-new-passphrase",
                "new_password2": "a-strong-new-passphrase",
            },
            context=context,
        )

        assert serializer.is_valid(), serializer.errors
        assert serializer.validated_data == {
            "old_password": "old",
            "new_password": "a-strong-new-passphrase",
            "new_password_confirm": "a-strong-new-passphrase",
        }

    def test_a_mismatching_alias_confirmation(self, context):
        serializer = PasswordChangeSerializer(
            data={
                "old_password": "old",
                "new_password1": "a-strong-new-passphrase",
                "new_password2": "something-else-entirely",
            },
            context=context,
        )

        assert not serializer.is_valid()
        assert list(serializer.errors) == ["new_password_confirm"]

    def test_validators_receive_the_user(self, user, context):
        serializer = PasswordChangeSerializer(
            data={"old_password": "old", "new_password": user.email}, context=context
        )

        assert not serializer.is_valid()
        assert any("too similar" in error for error in serializer.errors["new_password"])

    def test_a_body_that_is_not_a_mapping(self, context):
        serializer = PasswordChangeSerializer(data=["new_password1"], context=context)

        assert not serializer.is_valid()
        assert "non_field_errors" in serializer.errors
