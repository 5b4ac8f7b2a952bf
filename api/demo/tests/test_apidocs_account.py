"""The account endpoints' examples (api.demo.apidocs.calls_account): they run on the demo
data after calls.py's, give every account operation an exchange, show none of the
secrets they handle, and leave the demo accounts as they found them."""

import io
import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.demo.apidocs.calls import LOGIN, PRODUCTS
from api.demo.apidocs.calls_account import CALLS
from api.demo.apidocs.capture import Call, Scenario, Stabilizer
from api.demo.apidocs.markdown import operation_of
from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.user.models import UserProfile

pytestmark = pytest.mark.django_db

ACCOUNT_OPERATIONS = {
    ("GET", "/api/v1/health/"),
    ("GET", "/api/v1/health/live/"),
    ("GET", "/api/v1/health/ready/"),
    # tokens
    ("POST", "/api/v1/auth/token/"),
    ("POST", "/api/v1/auth/token/refresh/"),
    ("POST", "/api/v1/auth/logout/"),
    # sessions
    ("GET", "/api/v1/auth/sessions/"),
    ("GET", "/api/v1/auth/sessions/{id}/"),
    ("DELETE", "/api/v1/auth/sessions/{id}/"),
    ("POST", "/api/v1/auth/sessions/revoke-all/"),
    # API keys
    ("GET", "/api/v1/auth/api-keys/"),
    ("POST", "/api/v1/auth/api-keys/"),
    ("GET", "/api/v1/auth/api-keys/{prefix}/"),
    ("DELETE", "/api/v1/auth/api-keys/{prefix}/"),
    ("POST", "/api/v1/auth/api-keys/{prefix}/revoke/"),
    # profile
    ("GET", "/api/v1/profiles/me/"),
    ("PUT", "/api/v1/profiles/me/"),
    ("PATCH", "/api/v1/profiles/me/"),
    # passwords
    ("POST", "/api/v1/auth/password/change/"),
    ("POST", "/api/v1/auth/password/reset/"),
    ("POST", "/api/v1/auth/password/reset/confirm/"),
    # second factor
    ("GET", "/api/v1/auth/2fa/totp/"),
    ("POST", "/api/v1/auth/2fa/totp/setup/"),
    ("POST", "/api/v1/auth/2fa/totp/verify/"),
    ("GET", "/api/v1/auth/2fa/recovery-codes/"),
    ("POST", "/api/v1/auth/2fa/recovery-codes/"),
    ("POST", "/api/v1/auth/token/2fa/"),
    ("POST", "/api/v1/auth/2fa/totp/disable/"),
}


@pytest.fixture
def demo_api_key(settings):
    """Seeds the demo data; the demo user's API key, as seed_demo prints it."""
    settings.DEBUG = True  # seed_demo refuses otherwise
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return re.search(r"X-API-Key: (\S+)", out.getvalue())[1]


@pytest.fixture
def commits_at_once(monkeypatch):
    """The test's transaction never commits: callbacks waiting for a commit (the
    password reset email) run at once, as they do after each request outside a test."""
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def run(demo_api_key, commits_at_once):
    """The scenario and its exchanges: calls.py's, then the account calls."""
    mail.outbox = []
    scenario = Scenario(api_key=demo_api_key)
    exchanges = scenario.run([*LOGIN, *PRODUCTS, *CALLS])
    return scenario, exchanges[len(LOGIN) + len(PRODUCTS) :]


def exchange_titled(exchanges, title):
    return next(each for each in exchanges if each.call.title == title)


def test_every_account_operation_has_an_example(run, schema):
    _scenario, exchanges = run
    shown = {
        (each.call.method, operation_of(schema, each.call.method, each.path)) for each in exchanges
    }
    for method, template in ACCOUNT_OPERATIONS:
        assert template in schema["paths"], template
        assert method.lower() in schema["paths"][template], (method, template)
    assert ACCOUNT_OPERATIONS - shown == set()


def test_no_secret_is_shown(run):
    scenario, exchanges = run
    saved = scenario.saved
    stabilize = Stabilizer(scenario.secrets)
    shown = json.dumps(
        [[each.path, stabilize(each.body), stabilize(each.response)] for each in exchanges]
    )
    hidden = [
        saved["totp_secret"],
        saved["totp_qr_code"],
        *(value for name, value in saved.items() if "recovery_code_" in name),
        saved["reporting_key"],
        saved["shop_key"],
        scenario.api_key,
        saved["reset_token"],
        saved["changed_password"],
        saved["reset_password"],
        saved["challenge"],
        saved["setup_code"],
        saved["login_code"],
    ]
    assert len([name for name in saved if name.startswith("recovery_code_")]) == 10
    for secret in hidden:
        assert secret
        assert secret not in shown
    placeholders = ["<TOTP secret>", "<QR code>", "<TOTP code>", "<recovery code 10>"]
    placeholders += ["<new API key>", "<reset token>", "<new password>"]
    for placeholder in placeholders:
        assert placeholder in shown, placeholder


def test_the_reset_link_is_the_emailed_one(run):
    _scenario, exchanges = run
    confirm = exchange_titled(exchanges, "Set a new password with the emailed link")
    (message,) = [each for each in mail.outbox if re.search(r"^token: ", each.body, re.M)]
    assert message.to == ["demo@example.com"]
    assert f"token: {confirm.body['token']}\n" in message.body
    assert f"uid: {confirm.body['uid']}\n" in message.body


def test_the_accounts_are_left_as_they_were(run):
    scenario, _exchanges = run
    client = scenario.client
    for username, password in (("demo", "demo"), ("admin", "admin")):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 200, username
        assert set(response.json()) == {"access", "refresh"}  # no second step
    assert not TOTPDevice.objects.filter(user__username="admin").exists()
    profile = UserProfile.objects.get(user__username="demo")
    assert (profile.job_title, profile.timezone) == ("Sales Representative", "Europe/Paris")
    made = UserAPIKey.objects.filter(name__in=["Reporting", "Shop integration"])
    assert made.count() == 2
    assert all(each.revoked for each in made)
    # The Scenario's own access tokens still work, for calls after these.
    assert scenario.call(Call("Read my profile", "GET", "/api/v1/profiles/me/")).status == 200
    assert (
        scenario.call(Call("Admin", "GET", "/api/v1/auth/2fa/totp/", account="admin")).status == 200
    )
