"""TOTP management: /api/v1/auth/2fa/totp/ (status), setup/, verify/, disable/."""

import base64
import io
import threading
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from api.v1.base_models.auth.services import verify_totp
from api.v1.base_models.user.tests.factories import UserFactory

from ..helpers import (
    TOTP_DISABLE_URL,
    TOTP_SETUP_URL,
    TOTP_STATUS_URL,
    TOTP_VERIFY_URL,
    wrong_code,
)

pytestmark = pytest.mark.django_db

OTP_RATE = 5  # "otp" rate: 5 failed codes per 15 minutes per user
PASSWORD_RATE = 5  # "password" rate: 5 wrong passwords per 15 minutes per user


NOTHING = {"enabled": False, "pending_setup": False, "recovery_codes_remaining": 0}


def status(client):
    response = client.get(TOTP_STATUS_URL)
    assert response.status_code == 200
    return response.data


def devices(user):
    return TOTPDevice.objects.filter(user=user)


class TestStatus:
    def test_nothing_set_up(self, auth_client):
        assert status(auth_client) == {
            "enabled": False,
            "pending_setup": False,
            "recovery_codes_remaining": 0,
        }

    def test_pending_setup(self, auth_client):
        auth_client.post(TOTP_SETUP_URL)

        assert status(auth_client) == {
            "enabled": False,
            "pending_setup": True,
            "recovery_codes_remaining": 0,
        }

    def test_enabled(self, auth_client, totp_device):
        assert status(auth_client) == {
            "enabled": True,
            "pending_setup": False,
            "recovery_codes_remaining": 0,
        }

    def test_another_users_device_does_not_count(self, auth_client):
        TOTPDevice.objects.create(user=UserFactory(), name="theirs", confirmed=True)

        assert status(auth_client) == {
            "enabled": False,
            "pending_setup": False,
            "recovery_codes_remaining": 0,
        }

    def test_unauthenticated(self, api_client, db):
        assert api_client.get(TOTP_STATUS_URL).status_code == 401


class TestSetup:
    def test_returns_the_provisioning_uri_qr_code_and_secret(self, auth_client, user):
        response = auth_client.post(TOTP_SETUP_URL)

        assert response.status_code == 200
        assert set(response.data) == {"provisioning_uri", "qr_code", "secret"}
        device = devices(user).get()
        assert device.confirmed is False

        uri = urlsplit(response.data["provisioning_uri"])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert unquote(uri.path) == f"/ERP Platform:{user.username}"
        query = parse_qs(uri.query)
        assert query["issuer"] == ["ERP Platform"]
        assert query["secret"] == [response.data["secret"]]

        assert base64.b32decode(response.data["secret"]) == device.bin_key

    def test_the_qr_code_is_a_png_data_uri(self, auth_client):
        qr_code = auth_client.post(TOTP_SETUP_URL).data["qr_code"]

        prefix = "data:image/png;base64,"
        assert qr_code.startswith(prefix)
        png = base64.b64decode(qr_code.removeprefix(prefix), validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.size[0] == image.size[1] > 100

    def test_setting_up_again_replaces_the_unconfirmed_device(self, auth_client, user):
        first = auth_client.post(TOTP_SETUP_URL).data
        first_device = devices(user).get()

        second = auth_client.post(TOTP_SETUP_URL).data

        assert devices(user).count() == 1
        assert devices(user).get().pk != first_device.pk
        assert second["secret"] != first["secret"]

    def test_refused_when_already_enabled(self, auth_client, user, totp_device):
        response = auth_client.post(TOTP_SETUP_URL)

        assert response.status_code == 409
        assert response.data["detail"]
        assert list(devices(user)) == [totp_device]

    def test_unauthenticated(self, api_client, db):
        assert api_client.post(TOTP_SETUP_URL).status_code == 401


class TestVerify:
    @pytest.fixture
    def pending_device(self, auth_client, user):
        auth_client.post(TOTP_SETUP_URL)
        return devices(user).get()

    def test_the_right_code_enables_two_factor(self, auth_client, pending_device, totp_code):
        response = auth_client.post(TOTP_VERIFY_URL, {"code": totp_code(pending_device)})

        assert response.status_code == 200
        assert response.data["detail"]
        pending_device.refresh_from_db()
        assert pending_device.confirmed is True
        assert len(set(response.data["recovery_codes"])) == 10
        assert status(auth_client) == {
            "enabled": True,
            "pending_setup": False,
            "recovery_codes_remaining": 10,
        }

    def test_the_code_typed_with_spaces(self, auth_client, pending_device, totp_code):
        code = totp_code(pending_device)

        response = auth_client.post(TOTP_VERIFY_URL, {"code": f"{code[:3]} {code[3:]}"})

        assert response.status_code == 200

    def test_the_code_from_the_secret_returned_by_setup(self, auth_client, user, totp_code):
        # What an authenticator app does: it knows the secret only.
        secret = auth_client.post(TOTP_SETUP_URL).data["secret"]
        device = TOTPDevice(key=base64.b32decode(secret).hex())

        response = auth_client.post(TOTP_VERIFY_URL, {"code": totp_code(device)})

        assert response.status_code == 200

    def test_a_wrong_code_is_refused(self, auth_client, pending_device, totp_code):
        wrong = wrong_code(pending_device, totp_code)

        response = auth_client.post(TOTP_VERIFY_URL, {"code": wrong})

        assert response.status_code == 400
        assert "code" in response.data
        pending_device.refresh_from_db()
        assert pending_device.confirmed is False
        assert status(auth_client)["enabled"] is False

    @pytest.mark.parametrize("body", [{"code": "abc"}, {"code": "12"}, {}, {"code": ""}])
    def test_bad_code_formats(self, auth_client, pending_device, body):
        response = auth_client.post(TOTP_VERIFY_URL, body)

        assert response.status_code == 400
        assert "code" in response.data
        pending_device.refresh_from_db()
        assert pending_device.confirmed is False

    def test_when_already_enabled(self, auth_client, totp_device, totp_code):
        response = auth_client.post(TOTP_VERIFY_URL, {"code": totp_code(totp_device)})

        assert response.status_code == 409

    def test_wrong_codes_are_throttled(self, auth_client, pending_device, totp_code):
        wrong = wrong_code(pending_device, totp_code)
        for _ in range(OTP_RATE):
            assert auth_client.post(TOTP_VERIFY_URL, {"code": wrong}).status_code == 400

        response = auth_client.post(TOTP_VERIFY_URL, {"code": totp_code(pending_device)})

        assert response.status_code == 429
        assert "Retry-After" in response
        pending_device.refresh_from_db()
        assert pending_device.confirmed is False

    def test_verify_without_a_setup_is_a_409_with_its_code(self, auth_client):
        response = auth_client.post(TOTP_VERIFY_URL, {"code": "123456"})

        assert response.status_code == 409
        assert response.json() == {
            "detail": "No TOTP setup in progress; start one with /setup/.",
            "code": "totp_setup_required",
        }


class TestDisable:
    def test_the_right_password_removes_the_device(
        self, auth_client, user, password, totp_device, login
    ):
        assert "challenge" in login(user.username, password).data

        response = auth_client.post(TOTP_DISABLE_URL, {"password": password})

        assert response.status_code == 200
        assert response.data["detail"]
        assert not devices(user).exists()
        assert status(auth_client) == {
            "enabled": False,
            "pending_setup": False,
            "recovery_codes_remaining": 0,
        }
        tokens = login(user.username, password).data
        assert set(tokens) == {"access", "refresh"}

    def test_also_removes_a_pending_setup(self, auth_client, user, password):
        auth_client.post(TOTP_SETUP_URL)

        response = auth_client.post(TOTP_DISABLE_URL, {"password": password})

        assert response.status_code == 200
        assert not devices(user).exists()

    def test_a_wrong_password_keeps_the_device(self, auth_client, user, totp_device):
        response = auth_client.post(TOTP_DISABLE_URL, {"password": "not-the-password"})

        assert response.status_code == 400
        assert "password" in response.data
        assert list(devices(user)) == [totp_device]

    def test_a_missing_password(self, auth_client, user, totp_device):
        response = auth_client.post(TOTP_DISABLE_URL, {})

        assert response.status_code == 400
        assert response.data["password"][0].code == "required"
        assert devices(user).exists()

    def test_when_nothing_is_enabled(self, auth_client, password):
        response = auth_client.post(TOTP_DISABLE_URL, {"password": password})

        assert response.status_code == 409

    def test_wrong_passwords_are_throttled(self, auth_client, user, password, totp_device):
        for _ in range(PASSWORD_RATE):
            response = auth_client.post(TOTP_DISABLE_URL, {"password": "not-the-password"})
            assert response.status_code == 400

        response = auth_client.post(TOTP_DISABLE_URL, {"password": password})

        assert response.status_code == 429
        assert "Retry-After" in response
        assert devices(user).exists()

    def test_the_throttle_is_per_user(self, auth_client, jwt_client, password):
        for _ in range(PASSWORD_RATE):
            auth_client.post(TOTP_DISABLE_URL, {"password": "not-the-password"})
        other = UserFactory()
        TOTPDevice.objects.create(user=other, name="theirs", confirmed=True)

        response = jwt_client(other).post(TOTP_DISABLE_URL, {"password": password})

        assert response.status_code == 200


class TestAPIKeysAreRefused:
    @pytest.mark.parametrize(
        ("method", "url", "body"),
        [
            ("get", TOTP_STATUS_URL, None),
            ("post", TOTP_SETUP_URL, None),
            ("post", TOTP_VERIFY_URL, {"code": "123456"}),
            ("post", TOTP_DISABLE_URL, {"password": "x"}),
        ],
    )
    def test_403(self, api_client, user, password, api_key_for, method, url, body):
        _api_key, key = api_key_for(user)
        if url == TOTP_DISABLE_URL:
            body = {"password": password}
            TOTPDevice.objects.create(user=user, name="app", confirmed=True)

        response = getattr(api_client, method)(url, body, HTTP_X_API_KEY=key)

        assert response.status_code == 403
        assert "API key" in str(response.data["detail"])

    def test_the_device_survives_a_disable_attempt_with_an_api_key(
        self, api_client, user, password, api_key_for, totp_device
    ):
        _api_key, key = api_key_for(user)

        api_client.post(TOTP_DISABLE_URL, {"password": password}, HTTP_X_API_KEY=key)

        assert devices(user).exists()

    def test_setup_with_an_api_key_creates_no_device(self, api_client, user, api_key_for):
        _api_key, key = api_key_for(user)

        api_client.post(TOTP_SETUP_URL, HTTP_X_API_KEY=key)

        assert not devices(user).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database refuses a second writer at once (table "
    "locked) where a database file waits for the first (busy timeout)",
)
@pytest.mark.django_db(transaction=True)
def test_the_same_code_sent_twice_at_once_is_accepted_once(user, totp_code):
    """Two processes checking one code at the same moment: the device's row is locked
    while each checks, so the second sees the first's use."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    code = totp_code(device)
    barrier = threading.Barrier(2)
    outcomes = []

    def verify():
        barrier.wait()
        try:
            outcomes.append(verify_totp(TOTPDevice.objects.get(pk=device.pk), code))
        finally:
            connection.close()

    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
