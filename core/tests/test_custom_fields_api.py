"""Custom field definitions applied where records are written: the contact API (by the
record's organization) and the Admin (through the model's clean)."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from api.v1.base_models.common.models import Currency
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions
from api.v1.base_models.user.tests.factories import UserFactory
from core.models import CustomFieldDefinition

pytestmark = pytest.mark.django_db

CONTACTS_URL = reverse("api-v1:contact-list")


def contact_url(contact):
    return reverse("api-v1:contact-detail", args=[contact.pk])


def define(model, key, field_type="text", **fields):
    return CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        key=key,
        field_type=field_type,
        **fields,
    )


@pytest.fixture
def world(member, org_a, org_b):
    """A user with the full contact role in A and B; contact definitions: a global
    required `tier` choice and a decimal `budget`, and in A an extra date `renewal`."""
    role = RoleFactory(permissions=model_permissions(Contact))
    user = member(org_a, role=role)
    member(org_b, role=role, user=user)
    define(Contact, "tier", "choice", choices=["gold", "silver"], required=True)
    define(Contact, "budget", "decimal", min_value=0)
    define(Contact, "renewal", "date", organization=org_a)
    return {"user": user, "org_a": org_a, "org_b": org_b}


def create(client, organization, custom_fields, **extra):
    return client.post(
        CONTACTS_URL,
        {
            "organization": organization.pk,
            "first_name": "Ada",
            "custom_fields": custom_fields,
            **extra,
        },
        format="json",
    )


def test_valid_custom_fields_are_stored_normalised(world, jwt_client):
    response = create(
        jwt_client(world["user"]),
        world["org_a"],
        {"tier": "gold", "budget": 1500.5, "renewal": "20250101"},
    )
    assert response.status_code == 201, response.content
    expected = {"tier": "gold", "budget": "1500.5", "renewal": "2025-01-01"}
    assert response.json()["custom_fields"] == expected
    assert Contact.objects.get(pk=response.json()["id"]).custom_fields == expected


@pytest.mark.parametrize(
    ("custom_fields", "keys"),
    [
        ({"budget": 10}, {"tier"}),
        ({"tier": None}, {"tier"}),
        ({"tier": ""}, {"tier"}),
        ({"tier": "bronze"}, {"tier"}),
        ({"tier": "gold", "budget": -1}, {"budget"}),
        ({"tier": "gold", "budget": "lots"}, {"budget"}),
        ({"tier": "gold", "budget": "NaN"}, {"budget"}),
        ({"tier": "gold", "colour": "red"}, {"colour"}),
        ({"tier": "gold", "renewal": "soon"}, {"renewal"}),
        ({"tier": 1, "budget": True, "extra": 1}, {"tier", "budget", "extra"}),
    ],
)
def test_invalid_custom_fields_are_a_400_naming_the_keys(world, jwt_client, custom_fields, keys):
    response = create(jwt_client(world["user"]), world["org_a"], custom_fields)
    assert response.status_code == 400, response.content
    assert set(response.json()["custom_fields"]) == keys
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("bounds", "value", "message"),
    [
        ({"min_value": 0}, -1, "At least 0."),
        ({"min_value": "0.5"}, 0.25, "At least 0.5."),
        ({"max_value": 10}, 11, "At most 10."),
        ({"max_value": "-2.75"}, 0, "At most -2.75."),
    ],
)
def test_bound_errors_print_the_bounds_as_written(world, jwt_client, bounds, value, message):
    define(Contact, "score", "decimal", **bounds)
    response = create(jwt_client(world["user"]), world["org_a"], {"tier": "gold", "score": value})
    assert response.status_code == 400, response.content
    assert response.json()["custom_fields"] == {"score": [message]}


def test_definitions_read_back_their_bounds_as_written(jwt_client):
    staff = UserFactory(is_superuser=True, is_staff=True)
    response = jwt_client(staff).post(
        reverse("api-v1:custom-field-definition-list"),
        {
            "model": "contact.contact",
            "key": "score",
            "field_type": "decimal",
            "min_value": "0",
            "max_value": "10.50",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["min_value"], response.json()["max_value"]) == ("0", "10.5")


@pytest.mark.parametrize("custom_fields", [["tier"], "tier=gold", 5, True])
def test_custom_fields_that_are_no_object_are_a_400(world, jwt_client, custom_fields):
    response = create(jwt_client(world["user"]), world["org_a"], custom_fields)
    assert response.status_code == 400, response.content
    assert "custom_fields" in response.json()


def test_an_organizations_definitions_apply_to_its_records_only(world, jwt_client):
    client = jwt_client(world["user"])
    response = create(client, world["org_b"], {"tier": "gold", "renewal": "2025-01-01"})
    assert response.status_code == 400
    assert set(response.json()["custom_fields"]) == {"renewal"}
    response = create(client, world["org_b"], {"tier": "silver"})
    assert response.status_code == 201, response.content


def test_an_organization_definition_overrides_the_global_one(world, jwt_client):
    define(Contact, "tier", "text", organization=world["org_b"], max_length=10)
    client = jwt_client(world["user"])
    assert create(client, world["org_b"], {"tier": "platinum"}).status_code == 201
    assert create(client, world["org_a"], {"tier": "platinum"}).status_code == 400


def test_a_required_key_is_required_when_custom_fields_are_left_out(world, jwt_client):
    client = jwt_client(world["user"])
    response = client.post(
        CONTACTS_URL, {"organization": world["org_a"].pk, "first_name": "Ada"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()["custom_fields"]) == {"tier"}


def test_an_update_is_checked_with_the_records_organization(world, jwt_client):
    contact = ContactFactory(organization=world["org_b"], custom_fields={"tier": "gold"})
    client = jwt_client(world["user"])
    response = client.patch(
        contact_url(contact), {"custom_fields": {"tier": "gold", "renewal": "2025-01-01"}}
    )
    assert response.status_code == 400
    assert set(response.json()["custom_fields"]) == {"renewal"}
    response = client.patch(contact_url(contact), {"custom_fields": {"tier": "silver"}})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.custom_fields == {"tier": "silver"}


def test_a_move_is_checked_with_the_target_organization(world, jwt_client):
    contact = ContactFactory(organization=world["org_b"], custom_fields={"tier": "gold"})
    response = jwt_client(world["user"]).patch(
        contact_url(contact),
        {
            "organization": world["org_a"].pk,
            "custom_fields": {"tier": "gold", "renewal": "2025-06-30"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.organization == world["org_a"]
    assert contact.custom_fields["renewal"] == "2025-06-30"


def test_an_update_of_other_fields_does_not_recheck_custom_fields(world, jwt_client):
    # Definitions added after the record was written do not block unrelated changes.
    contact = ContactFactory(organization=world["org_a"], custom_fields={"legacy": 1})
    response = jwt_client(world["user"]).patch(contact_url(contact), {"first_name": "Grace"})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.first_name, contact.custom_fields) == ("Grace", {"legacy": 1})


# -------------------------------------------------------------------------- the Admin
def currency_form(currency, custom_fields):
    return {
        "code": currency.code,
        "name": currency.name,
        "symbol": currency.symbol,
        "numeric_code": currency.numeric_code or "",
        "decimal_places": currency.decimal_places,
        "is_active": "on" if currency.is_active else "",
        "custom_fields": json.dumps(custom_fields),
    }


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_currency_admin_shows_custom_field_errors(admin_client):
    define(Currency, "iso_region", "choice", choices=["EU", "AM"], required=True)
    define(Currency, "rank", "integer", min_value=1)
    euro = Currency.objects.get(code="EUR")
    url = reverse("admin:common_currency_change", args=[euro.code])
    response = admin_client.post(url, currency_form(euro, {"iso_region": "XX", "rank": 0}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["custom_fields"]
    assert any(error.startswith("iso_region: Choose one of: EU, AM") for error in errors)
    assert any(error.startswith("rank: At least 1") for error in errors)
    assert "iso_region: Choose one of" in response.content.decode()
    euro.refresh_from_db()
    assert euro.custom_fields == {}


def test_the_currency_admin_saves_valid_custom_fields(admin_client):
    define(Currency, "iso_region", "choice", choices=["EU", "AM"], required=True)
    define(Currency, "since", "date")
    euro = Currency.objects.get(code="EUR")
    url = reverse("admin:common_currency_change", args=[euro.code])
    response = admin_client.post(
        url, currency_form(euro, {"iso_region": "EU", "since": "19990101"})
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    euro.refresh_from_db()
    assert euro.custom_fields == {"iso_region": "EU", "since": "1999-01-01"}


def test_the_currency_admin_refuses_a_missing_required_key(admin_client):
    define(Currency, "iso_region", "choice", choices=["EU", "AM"], required=True)
    euro = Currency.objects.get(code="EUR")
    url = reverse("admin:common_currency_change", args=[euro.code])
    response = admin_client.post(url, currency_form(euro, {}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["custom_fields"] == [
        "iso_region: This custom field is required."
    ]


def test_the_definition_admin_validates(admin_client):
    response = admin_client.post(
        reverse("admin:core_customfielddefinition_add"),
        {
            "content_type": ContentType.objects.get_for_model(Currency).pk,
            "key": "tier",
            "field_type": "choice",
            "choices": "[]",
        },
    )
    assert response.status_code == 200
    assert "choices" in response.context["adminform"].form.errors
    assert not CustomFieldDefinition.objects.exists()


def test_a_patch_of_custom_fields_replaces_the_object_and_one_without_keeps_it(world, jwt_client):
    client = jwt_client(world["user"])
    created = create(client, world["org_a"], {"tier": "gold", "budget": 10}).json()
    url = reverse("api-v1:contact-detail", args=[created["id"]])

    kept = client.patch(url, {"first_name": "Grace"}, format="json")
    assert kept.json()["custom_fields"] == {"tier": "gold", "budget": "10"}

    replaced = client.patch(url, {"custom_fields": {"tier": "silver"}}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["custom_fields"] == {"tier": "silver"}
    assert Contact.objects.get(pk=created["id"]).custom_fields == {"tier": "silver"}
