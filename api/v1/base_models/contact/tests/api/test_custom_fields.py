"""`custom_fields` of contacts, validated against the CustomFieldDefinition rows."""

import pytest
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from core.models import CustomFieldDefinition

from .helpers import LIST_URL, counts, detail_url

pytestmark = pytest.mark.django_db


def define(key, field_type="text", organization=None, **fields):
    return CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Contact),
        organization=organization,
        key=key,
        field_type=field_type,
        **fields,
    )


def create(client, organization, custom_fields):
    return client.post(
        LIST_URL,
        {"organization": organization.pk, "first_name": "Custom", "custom_fields": custom_fields},
        format="json",
    )


@pytest.fixture
def definitions():
    """Global: region (a required choice) and employees (an integer >= 0)."""
    return [
        define("region", "choice", required=True, choices=["north", "south"]),
        define("employees", "integer", min_value=0),
    ]


def test_without_definitions_any_object_is_accepted(manager_client, org):
    response = create(manager_client, org, {"anything": [1, 2], "goes": {"x": True}})
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.custom_fields == {"anything": [1, 2], "goes": {"x": True}}


def test_it_must_be_an_object(manager_client, org):
    before = counts()
    response = create(manager_client, org, ["region", "north"])
    assert response.status_code == 400
    assert "custom_fields" in response.json()
    assert counts() == before


@pytest.mark.usefixtures("definitions")
def test_valid_values_are_stored(manager_client, org):
    response = create(manager_client, org, {"region": "north", "employees": 12})
    assert response.status_code == 201, response.content
    assert response.json()["custom_fields"] == {"region": "north", "employees": 12}
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.custom_fields == {"region": "north", "employees": 12}


@pytest.mark.usefixtures("definitions")
@pytest.mark.parametrize(
    ("custom_fields", "key"),
    [
        ({"region": "north", "nickname": "Ace"}, "nickname"),  # unknown key
        ({"region": "north", "employees": "many"}, "employees"),  # wrong type
        ({"region": "north", "employees": 1.5}, "employees"),  # not a whole number
        ({"region": "north", "employees": -1}, "employees"),  # below the minimum
        ({"region": "east"}, "region"),  # not one of the choices
        ({"employees": 3}, "region"),  # required, missing
        ({"region": "", "employees": 3}, "region"),  # required, empty
    ],
    ids=["unknown", "wrong type", "float", "minimum", "choice", "missing", "empty"],
)
def test_bad_values_are_a_400_naming_the_key(manager_client, org, custom_fields, key):
    before = counts()
    response = create(manager_client, org, custom_fields)
    assert response.status_code == 400, response.content
    errors = response.json()["custom_fields"]
    assert key in errors, errors
    assert errors[key]
    assert counts() == before


@pytest.mark.usefixtures("definitions")
def test_an_update_is_validated_too(manager_client, org):
    contact = ContactFactory(organization=org, custom_fields={"region": "south"})
    response = manager_client.patch(
        detail_url(contact), {"custom_fields": {"region": "south", "employees": "x"}}, format="json"
    )
    assert response.status_code == 400
    assert "employees" in response.json()["custom_fields"]
    contact.refresh_from_db()
    assert contact.custom_fields == {"region": "south"}
    response = manager_client.patch(
        detail_url(contact), {"custom_fields": {"region": "north", "employees": 4}}, format="json"
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.custom_fields == {"region": "north", "employees": 4}


@pytest.mark.usefixtures("definitions")
def test_an_inactive_definition_does_not_apply(manager_client, org):
    CustomFieldDefinition.objects.filter(key="region").update(is_active=False)
    response = create(manager_client, org, {"employees": 3})
    assert response.status_code == 201, response.content
    response = create(manager_client, org, {"region": "north"})
    assert response.status_code == 400
    assert "region" in response.json()["custom_fields"]


def test_an_organizations_definition_applies_to_its_contacts_only(superuser_client, org, other_org):
    define("region", "text")
    define("account_manager", "text", organization=org, required=True)
    # The organization's contacts need it...
    response = create(superuser_client, org, {"region": "north"})
    assert response.status_code == 400
    assert "account_manager" in response.json()["custom_fields"]
    response = create(superuser_client, org, {"region": "north", "account_manager": "Kim"})
    assert response.status_code == 201, response.content
    # ...the other organization's contacts neither need nor know it.
    response = create(superuser_client, other_org, {"region": "north"})
    assert response.status_code == 201, response.content
    response = create(superuser_client, other_org, {"region": "north", "account_manager": "Kim"})
    assert response.status_code == 400
    assert "account_manager" in response.json()["custom_fields"]


def test_an_organizations_definition_overrides_the_global_one(superuser_client, org, other_org):
    define("size", "integer")
    define("size", "choice", organization=org, choices=["small", "large"])
    response = create(superuser_client, org, {"size": "small"})
    assert response.status_code == 201, response.content
    response = create(superuser_client, org, {"size": 10})
    assert response.status_code == 400
    assert "size" in response.json()["custom_fields"]
    response = create(superuser_client, other_org, {"size": 10})
    assert response.status_code == 201, response.content
    response = create(superuser_client, other_org, {"size": "small"})
    assert response.status_code == 400


def test_moving_a_contact_validates_against_the_new_organizations_definitions(
    superuser_client, org, other_org
):
    define("region", "text")
    define("account_manager", "text", organization=other_org, required=True)
    contact = ContactFactory(organization=org, custom_fields={"region": "north"})
    response = superuser_client.patch(
        detail_url(contact),
        {"organization": other_org.pk, "custom_fields": {"region": "north"}},
        format="json",
    )
    assert response.status_code == 400
    assert "account_manager" in response.json()["custom_fields"]
    contact.refresh_from_db()
    assert contact.organization == org


@pytest.mark.usefixtures("definitions")
def test_a_required_key_is_needed_when_custom_fields_are_left_out(manager_client, org):
    before = counts()
    response = manager_client.post(
        LIST_URL, {"organization": org.pk, "first_name": "Custom"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "region" in response.json()["custom_fields"]
    assert counts() == before
