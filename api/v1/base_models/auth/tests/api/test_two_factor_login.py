"""Two-step login of users with TOTP: /api/v1/auth/token/ then /api/v1/auth/token/2fa/."""

from datetime import timedelta

import pytest
from django.contrib.auth import user_logged_in, user_login_failed
from django.core import signing
from django.db.models.signals import post_save
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.auth import services
from api.v1.base_models.user.tests.factories import UserFactory

from ..helpers import LOGIN_2FA_URL, ME_URL, TOTP_SETUP_URL, TOTP_VERIFY_URL, bearer, wrong_code

pytestmark = pytest.mark.django_db

OTP_RATE = 5  # "otp" rate: 5 failed codes per 15 minutes per user


@pytest.fixture
def challenge(login, user, password, totp_device):
    response = login(user.username, password)
    assert response.status_code == 200
    return response.data["challenge"]


@pytest.fixture
def second_step(api_client):
    def post(challenge, code, **extra):
        return api_client.post(LOGIN_2FA_URL, {"challenge": challenge, "code": code}, **extra)

    return post


class TestPasswordStep:
    def test_returns_a_challenge_and_no_tokens(self, login, user, password, totp_device):
        response = login(user.username, password)

        assert response.status_code == 200
        assert response.data["two_factor_required"] is True
        assert response.data["challenge"]
        assert response.data["expires_in"] == 300
        assert response.data["methods"] == ["totp"]
        assert "access" not in response.data
        assert "refresh" not in response.data

    def test_is_not_yet_a_login(self, login, user, password, totp_device, signal_receiver):
        calls = signal_receiver(user_logged_in)

        login(user.username, password)

        assert calls == []
        user.refresh_from_db()
        assert user.last_login is None

    def test_a_pending_setup_does_not_require_a_code(self, auth_client, login, user, password):
        auth_client.post(TOTP_SETUP_URL)

        response = login(user.username, password)

        assert set(response.data) == {"access", "refresh"}

    def test_setting_up_through_the_api_turns_the_second_step_on(
        self, auth_client, login, user, password, totp_code
    ):
        auth_client.post(TOTP_SETUP_URL)
        device = TOTPDevice.objects.get(user=user)
        assert auth_client.post(TOTP_VERIFY_URL, {"code": totp_code(device)}).status_code == 200

        response = login(user.username, password)

        assert response.data["two_factor_required"] is True

    def test_typos_during_setup_do_not_throttle_the_login_code(
        self, auth_client, api_client, login, user, password, totp_code
    ):
        auth_client.post(TOTP_SETUP_URL)
        device = TOTPDevice.objects.get(user=user)
        wrong = wrong_code(device, totp_code)
        for _ in range(5):  # the setup's own budget, spent
            assert auth_client.post(TOTP_VERIFY_URL, {"code": wrong}).status_code == 400
        assert auth_client.post(TOTP_VERIFY_URL, {"code": wrong}).status_code == 429
        device.confirmed = True  # confirmed in the Admin, say
        device.save()

        challenge = login(user.username, password).data["challenge"]
        response = api_client.post(
            LOGIN_2FA_URL, {"challenge": challenge, "code": totp_code(device)}, format="json"
        )

        assert response.status_code == 200
        assert set(response.data) == {"access", "refresh"}

    def test_a_wrong_password_gives_no_challenge(self, login, user, totp_device):
        response = login(user.username, "not-the-password")

        assert response.status_code == 401
        assert "challenge" not in response.data

    def test_challenges_differ_between_logins(self, login, user, password, totp_device):
        first = login(user.username, password).data["challenge"]
        second = login(user.username, password).data["challenge"]

        assert first != second


class TestCodeStep:
    def test_the_right_code_returns_a_working_pair(
        self, second_step, user, challenge, totp_device, totp_code
    ):
        response = second_step(challenge, totp_code(totp_device))

        assert response.status_code == 200
        assert set(response.data) == {"access", "refresh"}
        assert AccessToken(response.data["access"])["user_id"] == str(user.pk)
        assert bearer(response.data["access"]).get(ME_URL).data["user"]["id"] == user.pk

    def test_the_right_code_sends_user_logged_in(
        self, second_step, user, challenge, totp_device, totp_code, signal_receiver
    ):
        calls = signal_receiver(user_logged_in)

        second_step(challenge, totp_code(totp_device))

        assert [call["user"].pk for call in calls] == [user.pk]
        user.refresh_from_db()
        assert user.last_login is not None

    def test_a_wrong_code(
        self, second_step, user, challenge, totp_device, totp_code, signal_receiver
    ):
        failed = signal_receiver(user_login_failed)
        logged_in = signal_receiver(user_logged_in)

        response = second_step(challenge, wrong_code(totp_device, totp_code))

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_otp"
        assert "access" not in response.data
        assert len(failed) == 1
        assert failed[0]["credentials"] == {"username": user.username}
        assert logged_in == []

    def test_a_wrong_code_leaves_the_challenge_usable(
        self, second_step, challenge, totp_device, totp_code
    ):
        second_step(challenge, wrong_code(totp_device, totp_code))

        assert second_step(challenge, totp_code(totp_device)).status_code == 200

    def test_five_wrong_codes_then_even_the_right_one_is_refused(
        self, second_step, challenge, totp_device, totp_code
    ):
        wrong = wrong_code(totp_device, totp_code)
        for _ in range(OTP_RATE):
            assert second_step(challenge, wrong).status_code == 401

        response = second_step(challenge, totp_code(totp_device))

        assert response.status_code == 429
        assert "Retry-After" in response
        assert "access" not in response.data

    def test_the_throttle_is_per_user_not_per_challenge(
        self, login, second_step, user, password, challenge, totp_device, totp_code
    ):
        wrong = wrong_code(totp_device, totp_code)
        for _ in range(OTP_RATE):
            second_step(challenge, wrong)
        fresh_challenge = login(user.username, password).data["challenge"]

        assert second_step(fresh_challenge, totp_code(totp_device)).status_code == 429

    def test_another_users_second_step_is_unaffected(
        self, login, second_step, password, challenge, totp_device, totp_code
    ):
        wrong = wrong_code(totp_device, totp_code)
        for _ in range(OTP_RATE):
            second_step(challenge, wrong)
        other = UserFactory()
        other_device = TOTPDevice.objects.create(user=other, name="app", confirmed=True)
        other_challenge = login(other.username, password).data["challenge"]

        assert second_step(other_challenge, totp_code(other_device)).status_code == 200

    @pytest.mark.parametrize("code", ["abc", "12", "", "123456789"])
    def test_bad_code_formats(self, second_step, challenge, code):
        response = second_step(challenge, code)

        assert response.status_code == 400
        assert "code" in response.data

    def test_missing_fields(self, api_client):
        response = api_client.post(LOGIN_2FA_URL, {})

        assert response.status_code == 400
        assert set(response.data) == {"challenge"}

    def test_a_code_or_a_recovery_code(self, api_client):
        for body in (
            {"challenge": "c"},
            {"challenge": "c", "code": "123456", "recovery_code": "x"},
        ):
            response = api_client.post(LOGIN_2FA_URL, body)

            assert response.status_code == 400
            assert response.data["non_field_errors"][0].code == "one_factor_required"


class TestChallenge:
    @pytest.mark.parametrize("garbage", ["garbage", "a:b:c", "x" * 1024])
    def test_garbage(self, second_step, totp_device, totp_code, garbage):
        response = second_step(garbage, totp_code(totp_device))

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_challenge"

    def test_tampered(self, second_step, challenge, totp_device, totp_code):
        payload, _sep, signature = challenge.rpartition(":")
        tampered = f"{payload}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

        response = second_step(tampered, totp_code(totp_device))

        assert response.status_code == 401

    def test_forged_for_another_user_without_the_salt(
        self, second_step, user, totp_device, totp_code
    ):
        forged = signing.dumps({"uid": user.pk, "nonce": "n"})

        response = second_step(forged, totp_code(totp_device))

        assert response.status_code == 401

    def test_signed_with_the_salt_but_not_a_mapping(self, second_step, totp_device, totp_code):
        response = second_step(
            signing.dumps([1, 2], salt=services.CHALLENGE_SALT), totp_code(totp_device)
        )

        assert response.status_code == 401

    def test_expired(self, second_step, challenge, totp_device, totp_code, settings):
        settings.TWO_FACTOR_CHALLENGE_MAX_AGE = timedelta(seconds=-1)

        response = second_step(challenge, totp_code(totp_device))

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_challenge"

    def test_the_lifetime_follows_the_setting(self, login, user, password, totp_device, settings):
        settings.TWO_FACTOR_CHALLENGE_MAX_AGE = timedelta(minutes=2)

        assert login(user.username, password).data["expires_in"] == 120

    def test_cannot_be_used_twice(self, second_step, challenge, totp_device, totp_code):
        assert second_step(challenge, totp_code(totp_device)).status_code == 200

        response = second_step(challenge, totp_code(totp_device, steps=1))

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_challenge"

    def test_the_user_deactivated_in_between(
        self, second_step, user, challenge, totp_device, totp_code
    ):
        user.is_active = False
        user.save()

        assert second_step(challenge, totp_code(totp_device)).status_code == 401

    def test_two_factor_disabled_in_between(self, second_step, challenge, totp_device, totp_code):
        code = totp_code(totp_device)
        totp_device.delete()

        assert second_step(challenge, code).status_code == 401

    def test_a_stale_authorization_header_is_ignored(
        self, second_step, challenge, totp_device, totp_code
    ):
        response = second_step(challenge, totp_code(totp_device), HTTP_AUTHORIZATION="Bearer stale")

        assert response.status_code == 200


class TestCodeReuse:
    def test_a_code_already_used_cannot_be_used_again(
        self, login, second_step, user, password, challenge, totp_device, totp_code
    ):
        code = totp_code(totp_device)
        assert second_step(challenge, code).status_code == 200
        next_challenge = login(user.username, password).data["challenge"]

        response = second_step(next_challenge, code)

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_otp"
        # The next code is fine.
        assert second_step(next_challenge, totp_code(totp_device, steps=1)).status_code == 200

    def test_the_code_that_confirmed_the_setup_cannot_log_in(
        self, auth_client, login, second_step, user, password, totp_code
    ):
        auth_client.post(TOTP_SETUP_URL)
        device = TOTPDevice.objects.get(user=user)
        code = totp_code(device)
        assert auth_client.post(TOTP_VERIFY_URL, {"code": code}).status_code == 200
        challenge = login(user.username, password).data["challenge"]

        assert second_step(challenge, code).status_code == 401


class TestConcurrentReplay:
    def test_a_challenge_consumed_while_its_code_was_checked_is_refused(
        self, second_step, challenge, totp_device, totp_code, signal_receiver
    ):
        """Two requests with one challenge and two valid codes: the one that loses the race
        for the challenge gets no tokens. The other request's consumption is played out
        while this request verifies its code (the device is saved then)."""

        def concurrent_request_consumes_the_challenge(sender, instance, **kwargs):
            read = services.read_challenge(challenge)
            if read is not None:
                services.consume_challenge(read)

        post_save.connect(concurrent_request_consumes_the_challenge, sender=type(totp_device))
        logged_in = signal_receiver(user_logged_in)
        try:
            response = second_step(challenge, totp_code(totp_device))
        finally:
            post_save.disconnect(
                concurrent_request_consumes_the_challenge, sender=type(totp_device)
            )

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_challenge"
        assert "access" not in response.data
        assert logged_in == []
