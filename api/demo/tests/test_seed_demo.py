import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.common.models import Category, TaxRate
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.chat.models import ChatMessage, ChatRoom

pytestmark = pytest.mark.django_db
User = get_user_model()


def _seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        _seed()
    assert not User.objects.exists()


def test_creates_accounts_profiles_and_a_working_api_key(settings):
    settings.DEBUG = True
    output = _seed()

    admin = User.objects.get(username="admin")
    demo = User.objects.get(username="demo")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password("admin")
    assert demo.check_password("demo")
    assert not demo.is_staff
    assert demo.profile.manager == admin
    assert demo.profile.timezone == "Europe/Paris"
    assert "admin / admin" in output
    assert "demo / demo" in output

    tree = APIClient().get("/api/v1/categories/tree/PRODUCT/").json()
    assert [root["name"] for root in tree] == ["Electronics", "Furniture"]
    assert [child["name"] for child in tree[1]["children"]] == ["Chairs", "Desks"]
    assert Category.objects.get(slug="office-chairs").created_by == admin
    rates = APIClient().get("/api/v1/tax-rates/?jurisdiction=FR&valid_on=2026-01-01").json()
    assert {rate["name"] for rate in rates["results"]} == {
        "France VAT (standard)",
        "France VAT (reduced)",
    }

    key = re.search(r"X-API-Key: (\S+)", output).group(1)
    client = APIClient()
    response = client.get("/api/v1/profiles/me/", HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "demo"
    # The demo user administers the demo organization and sees its contacts.
    contacts = client.get("/api/v1/contacts/", HTTP_X_API_KEY=key).json()["results"]
    assert sorted(contact["full_name"] for contact in contacts) == ["Alan Turing", "Grace Hopper"]
    assert all(len(contact["email_addresses"]) == 1 for contact in contacts)
    organizations = client.get("/api/v1/organizations/", HTTP_X_API_KEY=key).json()["results"]
    assert {organization["code"] for organization in organizations} == {"DEMO", "DEMO-SALES"}
    # Products in each state of their workflow, the transitions in the audit log.
    products = client.get("/api/v1/products/", HTTP_X_API_KEY=key).json()["results"]
    assert {product["sku"]: product["status"] for product in products} == {
        "CHR-001": "active",
        "DSK-001": "draft",
        "LTP-014": "discontinued",
        "SRV-SETUP": "active",
    }
    laptop = next(product for product in products if product["sku"] == "LTP-014")
    history = client.get(f"/api/v1/products/{laptop['id']}/history/", HTTP_X_API_KEY=key).json()[
        "results"
    ]
    assert [row["action_type"] for row in history] == ["TRANSITION", "TRANSITION", "CREATE"]
    # A warehouse with its stock locations.
    warehouses = client.get("/api/v1/warehouses/", HTTP_X_API_KEY=key).json()["results"]
    assert [(w["code"], w["address"]["city"], w["tags"]) for w in warehouses] == [
        ("WH-MAIN", "Rotterdam", ["main"])
    ]
    locations = client.get(
        f"/api/v1/warehouses/{warehouses[0]['id']}/stock-locations/", HTTP_X_API_KEY=key
    ).json()["results"]
    assert {(row["name"], row["level"]) for row in locations} == {
        ("Zone A", 0),
        ("Aisle A1", 1),
        ("Bin A1-01", 2),
        ("Bin A1-02", 2),
        ("Dock 1", 0),
    }


def test_is_idempotent_and_leaves_existing_accounts_alone(settings):
    settings.DEBUG = True
    _seed()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-team")
    admin.save()

    output = _seed()

    assert User.objects.count() == 3
    assert UserAPIKey.objects.count() == 1
    assert Category.objects.count() == 6
    assert TaxRate.objects.count() == 4
    assert Organization.objects.count() == 2
    assert Contact.objects.count() == 2
    assert OrganizationMembership.objects.count() == 3
    assert ChatRoom.objects.count() == 1
    assert ChatMessage.objects.count() == 2
    assert "X-API-Key:" not in output
    admin.refresh_from_db()
    assert admin.check_password("changed-by-the-team")


def test_force_runs_without_debug(settings):
    settings.DEBUG = False
    _seed(force=True)
    assert User.objects.filter(username="admin").exists()
