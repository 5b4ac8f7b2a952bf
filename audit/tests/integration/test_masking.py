"""Secrets never reach the log: passwords, API keys, TOTP keys are masked (or, for
the API key id, not recorded at all)."""

import json

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.auth.services import confirm_totp_device, start_totp_setup
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.user.tests.factories import UserFactory
from audit import registry
from audit.diff import MASK, changes_since, initial_values, mask, values_of
from audit.models import AuditLog

from ..helpers import last_id, rows_of, since

pytestmark = pytest.mark.django_db

MASKED = {"old": MASK, "new": MASK}
NEW_PASSWORD = "Brand-New-Passphrase-9"


def table_dump() -> str:
    """Everything the audit table holds, as text."""
    return json.dumps(list(AuditLog.objects.values()), default=str)


class TestPasswords:
    def test_a_new_user(self):
        user = UserFactory(password="Initial-Passphrase-1")
        created = rows_of(user).get()
        assert created.action_type == "CREATE"
        assert created.changes["password"] == {"old": None, "new": MASK}
        assert created.changes["username"] == {"old": None, "new": user.username}

    @pytest.mark.parametrize("update_fields", [None, ["password"]])
    def test_set_password_and_save(self, user, update_fields):
        marker = last_id()
        user.set_password(NEW_PASSWORD)
        user.save(update_fields=update_fields)
        row = since(marker).get()
        assert row.action_type == "UPDATE"
        assert row.changes == {"password": MASKED}

    def test_the_password_change_endpoint(self, auth_client, user, password):
        marker = last_id()
        response = auth_client.post(
            "/api/v1/auth/password/change/",
            {"old_password": password, "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 200
        row = since(marker).exclude(action_type="PASSWORD_CHANGE").get()
        assert (row.action_type, row.object_id) == ("UPDATE", str(user.pk))
        assert row.changes == {"password": MASKED}
        assert row.user_id == user.pk
        assert row.request_id == response["X-Request-ID"]
        dumped = table_dump()
        for secret in (password, NEW_PASSWORD, user.password[:20]):
            assert secret not in dumped

    def test_an_unusable_password_is_masked_too(self, user):
        marker = last_id()
        user.set_unusable_password()
        user.save()
        assert since(marker).get().changes == {"password": MASKED}


class TestApiKeys:
    def test_creation_records_neither_the_hash_nor_the_id(self, user):
        marker = last_id()
        key, secret = UserAPIKey.objects.create_key(user=user, name="ERP connector")
        row = since(marker).get()
        assert row.action_type == "CREATE"
        assert row.object_id == key.prefix
        assert row.object_repr == "ERP connector"
        assert row.changes["hashed_key"] == {"old": None, "new": MASK}
        assert row.changes["name"] == {"old": None, "new": "ERP connector"}
        assert "id" not in row.changes
        dumped = table_dump()
        for value in (key.id, key.hashed_key, secret, secret.split(".")[1]):
            assert value not in dumped

    def test_revocation_and_deletion_by_prefix(self, user):
        key, _secret = UserAPIKey.objects.create_key(user=user, name="Old connector")
        key.revoked = True
        key.save()
        prefix = key.prefix
        key.delete()
        rows = rows_of(UserAPIKey, prefix)
        assert [row.action_type for row in rows] == ["CREATE", "UPDATE", "DELETE"]
        assert rows[1].changes == {"revoked": {"old": False, "new": True}}
        assert not AuditLog.objects.filter(object_id=key.id).exists()


class TestTotp:
    def test_setup_and_confirmation(self, user):
        marker = last_id()
        device = start_totp_setup(user)
        confirm_totp_device(device)
        created, confirmed = since(marker).filter(action_type__in=["CREATE", "UPDATE"])
        assert created.action_type == "CREATE"
        assert created.changes["key"] == {"old": None, "new": MASK}
        assert confirmed.changes == {"confirmed": {"old": False, "new": True}}
        assert device.key not in table_dump()

    def test_over_the_api(self, auth_client, user, totp_code):
        marker = last_id()
        setup = auth_client.post("/api/v1/auth/2fa/totp/setup/")
        assert setup.status_code == 200
        device = TOTPDevice.objects.get(user=user)
        verified = auth_client.post("/api/v1/auth/2fa/totp/verify/", {"code": totp_code(device)})
        assert verified.status_code == 200
        rows = list(since(marker).filter(object_id=str(device.pk)))
        rows = [row for row in rows if row.action_type in ("CREATE", "UPDATE")]
        assert [row.action_type for row in rows] == ["CREATE", "UPDATE"]
        assert rows[0].request_id == setup["X-Request-ID"]
        assert rows[1].changes == {"confirmed": {"old": False, "new": True}}
        # A verification moves last_t (the last code used): bookkeeping, not logged.
        dumped = table_dump()
        assert device.key not in dumped
        assert setup.json()["secret"] not in dumped


class TestMaskedFieldsSetting:
    """AUDIT["MASKED_FIELDS"]: a field name masks it everywhere, "app.model.field" in
    one model. (The registry reads the setting once, when the app starts: these tests
    describe a model under another setting.)"""

    @pytest.fixture
    def described(self, settings):
        def describe(model, *masked):
            settings.AUDIT = {**settings.AUDIT, "MASKED_FIELDS": list(masked)}
            return registry._describe(model)

        return describe

    def test_a_model_field(self, described, org_p):
        spec = described(Contact, "contact.contact.notes")
        assert spec.masked == {"notes"}
        contact = ContactFactory(organization=org_p, notes="Private", title="Ms")
        current = values_of(contact, spec)
        snapshot = {**current, "notes": "Old secret", "title": "Mr"}
        assert changes_since(snapshot, current, spec) == {
            "notes": MASKED,
            "title": {"old": "Mr", "new": "Ms"},
        }
        assert initial_values(current, spec)["notes"] == {"old": None, "new": MASK}

    def test_a_name_for_every_model_and_another_models_field(self, described):
        spec = described(Organization, "code", "contact.contact.name")
        assert spec.masked == {"code"}

    def test_empty_values_are_not_masked(self, described):
        spec = described(Contact, "notes")
        assert mask(spec, "notes", "") == ""
        assert mask(spec, "notes", None) is None
        assert mask(spec, "notes", "x") == MASK
        assert mask(spec, "title", "x") == "x"
        assert changes_since({"notes": ""}, {"notes": "Written"}, spec) == {
            "notes": {"old": "", "new": MASK}
        }

    def test_the_projects_setting(self, settings):
        masked = settings.AUDIT["MASKED_FIELDS"]
        assert {"password", "hashed_key", "otp_totp.totpdevice.key"} <= set(masked)
        assert registry.get(TOTPDevice).masked >= {"key", "password"}


def test_no_secret_anywhere_in_the_table(api_client, user, password, totp_code):
    """Every flow that handles a secret, then a search of the whole table."""
    other = UserFactory(password="Other-Users-Passphrase-7")
    login = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": password}
    )
    access = login.json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    change = api_client.post(
        "/api/v1/auth/password/change/", {"old_password": password, "new_password": NEW_PASSWORD}
    )
    assert change.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {change.json()['access']}")
    assert api_client.post("/api/v1/auth/2fa/totp/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=user)
    key, secret = UserAPIKey.objects.create_key(user=other, name="Connector")
    api_client.post("/api/v1/auth/token/", {"username": other.username, "password": "Wrong-1"})
    user.refresh_from_db()
    other.refresh_from_db()

    dumped = table_dump()
    assert AuditLog.objects.filter(changes__password__new=MASK).count() >= 3
    for value in (
        password,
        NEW_PASSWORD,
        "Other-Users-Passphrase-7",
        "Wrong-1",
        user.password,
        other.password,
        "md5$",
        "pbkdf2",
        "argon2",
        key.hashed_key,
        key.id,
        secret,
        device.key,
    ):
        assert value not in dumped, value
