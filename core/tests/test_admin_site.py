import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(password):
    return UserFactory(is_staff=True, is_superuser=True)


def _login(client, user, password, **extra):
    return client.post(
        reverse("admin:login"),
        {"username": user.username, "password": password, "next": "/admin/", **extra},
    )


def test_staff_without_a_device_logs_in_with_the_password(client, staff, password):
    response = _login(client, staff, password)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_wrong_password_is_refused(client, staff):
    response = _login(client, staff, "wrong")
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_staff_with_a_device_needs_the_code(client, staff, password, totp_code):
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)

    without_code = _login(client, staff, password)
    assert without_code.status_code == 200
    assert "OTP token" in without_code.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302

    wrong_code = _login(client, staff, password, otp_token="000000")
    assert wrong_code.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302

    with_code = _login(client, staff, password, otp_token=totp_code(device))
    assert with_code.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_session_not_verified_by_the_second_factor_is_refused(client, staff):
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 302


def test_unconfirmed_device_does_not_block(client, staff, password):
    TOTPDevice.objects.create(user=staff, name="app", confirmed=False)
    assert _login(client, staff, password).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_non_staff_cannot_enter(client, password):
    user = UserFactory()
    assert _login(client, user, password).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302
