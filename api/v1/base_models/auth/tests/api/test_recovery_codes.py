"""Recovery codes: given when TOTP is enabled, accepted once each at the second login
step, regenerated with the password."""

import pytest
from django.core import mail
from django_otp.plugins.otp_static.models import StaticToken

from api.v1.base_models.auth import recovery_codes
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog

from ..helpers import (
    LOGIN_2FA_URL,
    ME_URL,
    RECOVERY_CODES_URL,
    TOTP_DISABLE_URL,
    TOTP_STATUS_URL,
    bearer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes(user, totp_device):
    return recovery_codes.regenerate(user)


@pytest.fixture
def second_step(api_client, login, user, password, django_capture_on_commit_callbacks):
    """second_step(**factor) -> the response of the 2FA step, after a fresh password step."""

    def post(headers=None, **factor):
        challenge = login(user.username, password).data["challenge"]
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(
                LOGIN_2FA_URL, {"challenge": challenge, **factor}, headers=headers
            )

    return post


class TestLogin:
    def test_the_challenge_offers_recovery_codes(self, login, user, password, codes):
        assert login(user.username, password).data["methods"] == ["totp", "recovery_code"]

    def test_a_recovery_code_logs_in_once(self, second_step, codes, user):
        first = second_step(recovery_code=codes[0])

        assert first.status_code == 200
        assert bearer(first.data["access"]).get(ME_URL).data["user"]["id"] == user.pk
        again = second_step(recovery_code=codes[0])
        assert again.status_code == 401
        assert again.data["detail"].code == "invalid_recovery_code"
        assert second_step(recovery_code=codes[1]).status_code == 200

    def test_typed_loosely(self, second_step, codes):
        code = codes[0].replace("-", " ").upper()

        assert second_step(recovery_code=f" {code} ").status_code == 200

    def test_a_wrong_code(self, second_step, codes, user):
        response = second_step(recovery_code="aaaaa-aaaaa")

        assert response.status_code == 401
        assert response.data["detail"].code == "invalid_recovery_code"
        assert recovery_codes.remaining(user) == 10
        assert AuditLog.objects.filter(action_type="LOGIN_FAILED").exists()

    def test_another_users_code_does_not_work(self, second_step, codes):
        theirs = recovery_codes.regenerate(UserFactory())

        assert second_step(recovery_code=theirs[0]).status_code == 401

    def test_using_one_is_audited_and_told(self, second_step, codes, user):
        second_step(recovery_code=codes[0], headers={"User-Agent": "Lost/1.0"})

        entry = AuditLog.objects.get(action_type="RECOVERY_CODE_USED")
        assert entry.user_id == user.pk
        assert entry.context["remaining_codes"] == 9
        assert entry.context["user_agent"] == "Lost/1.0"
        (notice,) = mail.outbox
        assert notice.to == [user.email]
        assert "Recovery codes left: 9" in notice.body

    def test_wrong_codes_are_throttled(self, second_step, codes):
        for _ in range(5):  # "otp": 5 failures per 15 minutes per user
            assert second_step(recovery_code="aaaaa-aaaaa").status_code == 401

        assert second_step(recovery_code=codes[0]).status_code == 429


class TestStorage:
    def test_codes_are_stored_hashed(self, user, codes):
        stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))

        assert len(stored) == 10
        for code in codes:
            assert recovery_codes.normalize(code) not in stored
            assert code not in stored

    def test_they_survive_a_secret_key_rotation(self, user, codes, settings):
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

        assert recovery_codes.use(user, codes[0]) == 9


class TestRegenerate:
    def test_status(self, auth_client, codes):
        assert auth_client.get(RECOVERY_CODES_URL).data == {"remaining": 10}
        assert auth_client.get(TOTP_STATUS_URL).data["recovery_codes_remaining"] == 10

    def test_a_new_set_replaces_the_old(
        self, auth_client, password, codes, user, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.post(RECOVERY_CODES_URL, {"password": password})

        assert response.status_code == 200
        new = response.data["recovery_codes"]
        assert len(set(new)) == 10
        assert not set(new) & set(codes)
        assert recovery_codes.use(user, codes[0]) is None
        assert recovery_codes.use(user, new[0]) == 9
        assert AuditLog.objects.filter(
            action_type="RECOVERY_CODES_REGENERATE", user_id=user.pk
        ).exists()
        (notice,) = mail.outbox
        assert "no longer work" in notice.body

    def test_the_password_is_required(self, auth_client, codes, user):
        response = auth_client.post(RECOVERY_CODES_URL, {"password": "wrong"})

        assert response.status_code == 400
        assert "password" in response.data
        assert recovery_codes.use(user, codes[0]) == 9

    def test_wrong_passwords_are_throttled_reading_is_not(self, auth_client, password, codes):
        for _ in range(5):  # "password": 5 failures per 15 minutes per user
            assert auth_client.post(RECOVERY_CODES_URL, {"password": "x"}).status_code == 400

        assert auth_client.post(RECOVERY_CODES_URL, {"password": password}).status_code == 429
        assert auth_client.get(RECOVERY_CODES_URL).data == {"remaining": 10}

    def test_only_with_totp(self, auth_client, password):
        response = auth_client.post(RECOVERY_CODES_URL, {"password": password})

        assert response.status_code == 409
        assert response.data["detail"].code == "totp_required"

    def test_api_keys_cannot(self, api_client, user, api_key_for, password, codes):
        _api_key, key = api_key_for(user)

        response = api_client.post(RECOVERY_CODES_URL, {"password": password}, HTTP_X_API_KEY=key)

        assert response.status_code == 403

    def test_disabling_totp_removes_them(self, auth_client, password, codes, user):
        assert auth_client.post(TOTP_DISABLE_URL, {"password": password}).status_code == 200

        assert recovery_codes.remaining(user) == 0
        assert AuditLog.objects.filter(action_type="TWO_FACTOR_DISABLE").exists()
