"""The authentication services: tokens, the two-factor challenge, TOTP devices, passwords."""

import base64
import io
from datetime import timedelta

import pytest
from django.core import signing
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from api.v1.base_models.auth import services
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class TestTokens:
    def test_tokens_for_makes_a_pair_of_the_user(self, user):
        pair = services.tokens_for(user)

        access, refresh = AccessToken(pair["access"]), RefreshToken(pair["refresh"])
        assert access["user_id"] == refresh["user_id"] == str(user.pk)
        assert access["hash_password"] == get_md5_hash_password(user.password)
        assert OutstandingToken.objects.filter(jti=refresh["jti"], user=user).exists()

    def test_change_password_changes_the_fingerprint(self, user):
        old = AccessToken(services.tokens_for(user)["access"])

        services.change_password(user, "a-brand-new-passphrase")

        user.refresh_from_db()
        assert user.check_password("a-brand-new-passphrase")
        assert old["hash_password"] != get_md5_hash_password(user.password)


class TestChallenge:
    def test_round_trip(self, user):
        challenge = services.read_challenge(services.create_challenge(user))

        assert challenge.user == user
        assert challenge.nonce

    def test_every_challenge_has_its_own_nonce(self, user):
        first = services.read_challenge(services.create_challenge(user))
        second = services.read_challenge(services.create_challenge(user))

        assert first.nonce != second.nonce

    def test_consumed_once_only(self, user):
        token = services.create_challenge(user)
        challenge = services.read_challenge(token)

        assert services.consume_challenge(challenge) is True
        assert services.consume_challenge(challenge) is False
        assert services.read_challenge(token) is None

    def test_consuming_one_challenge_leaves_the_others(self, user):
        first = services.create_challenge(user)
        second = services.create_challenge(user)

        services.consume_challenge(services.read_challenge(first))

        assert services.read_challenge(second) is not None

    @pytest.mark.parametrize("token", ["", "garbage", "a:b:c"])
    def test_garbage(self, token):
        assert services.read_challenge(token) is None

    def test_signed_with_another_salt(self, user):
        assert services.read_challenge(signing.dumps({"uid": user.pk, "nonce": "n"})) is None

    def test_not_a_mapping(self):
        token = signing.dumps(["uid"], salt=services.CHALLENGE_SALT)

        assert services.read_challenge(token) is None

    def test_expired(self, user, settings):
        token = services.create_challenge(user)
        settings.TWO_FACTOR_CHALLENGE_MAX_AGE = timedelta(seconds=-1)

        assert services.read_challenge(token) is None

    def test_inactive_or_deleted_user(self, user):
        inactive = UserFactory()
        inactive_token = services.create_challenge(inactive)
        inactive.is_active = False
        inactive.save()
        deleted_token = services.create_challenge(user)
        user.delete()

        assert services.read_challenge(inactive_token) is None
        assert services.read_challenge(deleted_token) is None

    def test_lifetime_in_seconds(self, settings):
        settings.TWO_FACTOR_CHALLENGE_MAX_AGE = timedelta(minutes=3)

        assert services.challenge_lifetime_seconds() == 180


class TestTOTPDevices:
    def test_no_device(self, user):
        assert services.confirmed_totp_device(user) is None
        assert services.pending_totp_device(user) is None
        assert services.has_totp_device(user) is False
        assert services.requires_second_factor(user) is False

    def test_setup_then_confirmation(self, user):
        device = services.start_totp_setup(user)

        assert services.pending_totp_device(user) == device
        assert services.requires_second_factor(user) is False
        assert services.has_totp_device(user) is True

        services.confirm_totp_device(device)

        assert services.confirmed_totp_device(user) == device
        assert services.pending_totp_device(user) is None
        assert services.requires_second_factor(user) is True

    def test_setup_replaces_a_pending_device_but_not_a_confirmed_one(self, user):
        confirmed = TOTPDevice.objects.create(user=user, name="old", confirmed=True)
        first = services.start_totp_setup(user)

        second = services.start_totp_setup(user)

        assert set(TOTPDevice.objects.filter(user=user)) == {confirmed, second}
        assert not TOTPDevice.objects.filter(pk=first.pk).exists()

    def test_disable_removes_every_device_of_the_user_only(self, user):
        other = UserFactory()
        TOTPDevice.objects.create(user=user, name="a", confirmed=True)
        TOTPDevice.objects.create(user=user, name="b", confirmed=False)
        theirs = TOTPDevice.objects.create(user=other, name="c", confirmed=True)

        services.disable_totp(user)

        assert list(TOTPDevice.objects.all()) == [theirs]

    def test_verify_accepts_a_code_once(self, user, totp_code):
        device = services.start_totp_setup(user)
        code = totp_code(device)

        assert services.verify_totp(device, code) is True
        assert services.verify_totp(device, code) is False
        assert services.verify_totp(device, totp_code(device, steps=1)) is True

    def test_no_back_off_after_a_typo(self, user, totp_code):
        # OTP_TOTP_THROTTLE_FACTOR = 0: the right code right after a wrong one works.
        device = services.start_totp_setup(user)
        right = totp_code(device)
        wrong = next(c for c in ("000000", "111111") if c not in {right, totp_code(device, 1)})

        assert services.verify_totp(device, wrong) is False
        assert services.verify_totp(device, right) is True

    def test_totp_secret_is_the_base32_key(self, user):
        device = services.start_totp_setup(user)

        secret = services.totp_secret(device)

        assert base64.b32decode(secret) == device.bin_key
        assert f"secret={secret}" in device.config_url


def test_qr_code_data_uri_is_a_png():
    uri = services.qr_code_data_uri("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP")

    header, _comma, data = uri.partition(",")
    assert header == "data:image/png;base64"
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.format == "PNG"


def test_qr_codes_differ_with_their_text():
    assert services.qr_code_data_uri("a") != services.qr_code_data_uri("b")
