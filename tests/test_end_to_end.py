"""A person's whole journey through the authentication and profile API, as a client
sees it: only HTTP requests, no shortcut through the ORM except to read the TOTP
secret the way an authenticator app would from the QR code."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _code(secret: str, steps: int = 0) -> str:
    totp = TOTP(b32decode(secret))
    totp.time += steps * 30
    return f"{totp.token():06d}"


def test_login_profile_two_factor_password_change_logout():
    manager = UserFactory(username="boss")
    alice = UserFactory(username="alice", password="first-Password-1")
    team = OrganizationFactory(name="Team")
    for colleague in (manager, alice):  # a manager is a colleague
        OrganizationMembershipFactory(user=colleague, organization=team)
    client = APIClient()

    # 1. Password login yields a JWT pair.
    tokens = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "first-Password-1"}
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    # 2. Profile: read, then update.
    profile = client.get("/api/v1/profiles/me/").json()
    assert profile["user"]["username"] == "alice"
    updated = client.patch(
        "/api/v1/profiles/me/",
        {
            "job_title": "Buyer",
            "phone_number": "+33142685300",
            "timezone": "Europe/Paris",
            "manager": manager.pk,
            "notification_preferences": {"email": False},
        },
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    assert updated.json()["manager"] == manager.pk

    # 3. Enable TOTP.
    setup = client.post("/api/v1/auth/2fa/totp/setup/").json()
    assert setup["provisioning_uri"].startswith("otpauth://totp/")
    verified = client.post("/api/v1/auth/2fa/totp/verify/", {"code": _code(setup["secret"])})
    assert verified.status_code == 200

    # 4. Log out; the refresh token is dead.
    assert client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 200
    refused = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refused.status_code == 401

    # 5. Log in again: password, then the second factor.
    anonymous = APIClient()
    step1 = anonymous.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "first-Password-1"}
    ).json()
    assert step1["two_factor_required"] is True
    assert "access" not in step1
    wrong = anonymous.post(
        "/api/v1/auth/token/2fa/", {"challenge": step1["challenge"], "code": "000000"}
    )
    assert wrong.status_code == 401
    step2 = anonymous.post(
        "/api/v1/auth/token/2fa/",
        {"challenge": step1["challenge"], "code": _code(setup["secret"], steps=1)},
    )
    assert step2.status_code == 200
    tokens = step2.json()

    # 6. Change the password: old tokens stop working, the returned pair works.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    changed = client.post(
        "/api/v1/auth/password/change/",
        {"old_password": "first-Password-1", "new_password": "second-Password-2"},
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/profiles/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {changed.json()['access']}")
    assert client.get("/api/v1/profiles/me/").json()["job_title"] == "Buyer"
    stale = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert stale.status_code == 401

    # 7. Disable TOTP with the new password: password login yields tokens again.
    assert (
        client.post("/api/v1/auth/2fa/totp/disable/", {"password": "second-Password-2"}).status_code
        == 200
    )
    final = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "second-Password-2"}
    )
    assert set(final.json()) == {"access", "refresh"}
