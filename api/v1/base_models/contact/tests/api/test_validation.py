"""Bad contact payloads: a 400 naming the nested field, and nothing written."""

import copy

import pytest

from api.v1.base_models.contact.models import ContactEmailAddress, ContactPhoneNumber
from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)

from .helpers import LIST_URL, address_payload, counts, detail_url

pytestmark = pytest.mark.django_db


def valid_payload(org, **fields):
    """A payload that is valid as it is: every test breaks one thing in it."""
    return {
        "organization": org.pk,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email_addresses": [{"email": "ada@example.com"}, {"email": "ada@home.example"}],
        "phone_numbers": [{"phone_number": "+14155550100"}],
        "addresses": [{"address": address_payload()}, {"address": address_payload(city="LA")}],
        "tags": ["vip"],
        **fields,
    }


def test_the_valid_payload_is_valid(manager_client, org):
    before = counts()
    response = manager_client.post(LIST_URL, valid_payload(org), format="json")
    assert response.status_code == 201, response.content
    after = counts()
    assert after["Contact"] == before["Contact"] + 1
    assert after["ContactEmailAddress"] == before["ContactEmailAddress"] + 2
    assert after["ContactPhoneNumber"] == before["ContactPhoneNumber"] + 1
    assert after["ContactAddress"] == before["ContactAddress"] + 2
    assert after["Address"] == before["Address"] + 2


# (what to change in the valid payload, the path of the expected error)
BAD_CREATES = {
    "invalid email": (
        {"email_addresses": [{"email": "ada@example.com"}, {"email": "not-an-email"}]},
        ["email_addresses", 1, "email"],
    ),
    "same email twice, other case": (
        {"email_addresses": [{"email": "ada@example.com"}, {"email": "ADA@Example.COM"}]},
        ["email_addresses", 1, "email"],
    ),
    "invalid email type": (
        {"email_addresses": [{"email": "ada@example.com", "email_type": "pigeon"}]},
        ["email_addresses", 0, "email_type"],
    ),
    "missing email": (
        {"email_addresses": [{"email_type": "work"}]},
        ["email_addresses", 0, "email"],
    ),
    "invalid phone": (
        {"phone_numbers": [{"phone_number": "123"}]},
        ["phone_numbers", 0, "phone_number"],
    ),
    "phone without country code": (
        {"phone_numbers": [{"phone_number": "4155550100"}]},
        ["phone_numbers", 0, "phone_number"],
    ),
    "same phone twice, other format": (
        {
            "phone_numbers": [
                {"phone_number": "+14155550100"},
                {"phone_number": "+1 415-555-0100"},
            ]
        },
        ["phone_numbers", 1, "phone_number"],
    ),
    "invalid country": (
        {"addresses": [{"address": address_payload(country="XX")}]},
        ["addresses", 0, "address", "country"],
    ),
    "latitude above 90": (
        {"addresses": [{"address": address_payload()}, {"address": address_payload(latitude=91)}]},
        ["addresses", 1, "address", "latitude"],
    ),
    "longitude below -180": (
        {"addresses": [{"address": address_payload(longitude="-180.5")}]},
        ["addresses", 0, "address", "longitude"],
    ),
    "address missing": (
        {"addresses": [{"address_type": "home"}]},
        ["addresses", 0, "address"],
    ),
    "channels not a list": (
        {"email_addresses": {"email": "ada@example.com"}},
        ["email_addresses"],
    ),
    "an id on create": (
        {"email_addresses": [{"id": "OTHER", "email": "ada@example.com"}]},
        ["email_addresses", 0, "id"],
    ),
    "first name missing": ({"first_name": ""}, ["first_name"]),
    "unknown contact type": ({"contact_type": "friend"}, ["contact_type"]),
    "unknown status": ({"status": "deleted"}, ["status"]),
    "unknown linked organization": ({"linked_organization": 999999}, ["linked_organization"]),
}


def error_at(body, path):
    """The errors at `path`; items of a list are keyed by their index, as DRF does."""
    for step in path:
        assert isinstance(body, dict), (path, body)
        body = body[str(step)]
    return body


@pytest.mark.parametrize("case", list(BAD_CREATES))
def test_a_bad_create_names_the_field_and_writes_nothing(manager_client, org, case):
    changes, path = copy.deepcopy(BAD_CREATES[case])
    # A channel of another contact: its id ("OTHER") cannot be used on create.
    other = ContactEmailAddressFactory(contact__organization=org)
    for item in changes.get("email_addresses", []):
        if isinstance(item, dict) and item.get("id") == "OTHER":
            item["id"] = other.pk
    before = counts()
    response = manager_client.post(LIST_URL, valid_payload(org, **changes), format="json")
    assert response.status_code == 400, response.content
    assert error_at(response.json(), path), response.json()
    assert counts() == before


@pytest.fixture
def contact(org):
    contact = ContactFactory(organization=org, first_name="Kept")
    ContactEmailAddressFactory(contact=contact, email="kept@example.com")
    ContactPhoneNumberFactory(contact=contact, phone_number="+14155550199")
    ContactAddressFactory(contact=contact, address__city="Kept City")
    return contact


def snapshot(contact):
    contact.refresh_from_db()
    return (
        contact.first_name,
        list(contact.email_addresses.values_list("pk", "email", "is_primary")),
        list(contact.phone_numbers.values_list("pk", "phone_number", "is_primary")),
        list(contact.addresses.values_list("pk", "address__city", "address__country")),
        sorted(contact.tags.names()),
    )


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        (
            {"phone_numbers": [{"phone_number": "123"}]},
            ["phone_numbers", 0, "phone_number"],
        ),
        (
            {"addresses": [{"address": address_payload(latitude="-90.5")}]},
            ["addresses", 0, "address", "latitude"],
        ),
        (
            {"addresses": [{"address": address_payload(country="ZZ")}]},
            ["addresses", 0, "address", "country"],
        ),
        (
            {
                "email_addresses": [
                    {"email": "new@example.com"},
                    {"email": "NEW@example.com"},
                ]
            },
            ["email_addresses", 1, "email"],
        ),
    ],
    ids=["phone", "latitude", "country", "duplicate email"],
)
def test_a_bad_update_changes_nothing(manager_client, contact, payload, path):
    before_snapshot, before_counts = snapshot(contact), counts()
    # The other parts of the payload are valid and would change things.
    valid_parts = {
        "first_name": "Changed",
        "tags": ["new"],
        "email_addresses": [{"email": "replacement@example.com"}],
        "addresses": [{"address": address_payload(city="Elsewhere")}],
    }
    response = manager_client.patch(detail_url(contact), {**valid_parts, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert error_at(response.json(), path), response.json()
    assert snapshot(contact) == before_snapshot
    assert counts() == before_counts


def test_the_same_email_twice_on_update_even_with_an_id(manager_client, contact):
    kept = contact.email_addresses.get()
    response = manager_client.patch(
        detail_url(contact),
        {"email_addresses": [{"id": kept.pk, "email": "kept@example.com"}, {"email": "KEPT@x.io"}]},
        format="json",
    )
    # Different addresses: fine.
    assert response.status_code == 200, response.content
    response = manager_client.patch(
        detail_url(contact),
        {
            "email_addresses": [
                {"id": kept.pk, "email": "kept@example.com"},
                {"email": "Kept@Example.com"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert set(response.json()["email_addresses"]) == {"1"}
    assert "email" in response.json()["email_addresses"]["1"]
    assert sorted(
        ContactEmailAddress.objects.filter(contact=contact).values_list("email", flat=True)
    ) == ["KEPT@x.io", "kept@example.com"]
    assert ContactPhoneNumber.objects.filter(contact=contact).count() == 1


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"email_addresses": [{"email_type": "work"}]}, ["email_addresses", 0, "email"]),
        ({"phone_numbers": [{"phone_type": "home"}]}, ["phone_numbers", 0, "phone_number"]),
        ({"addresses": [{"address_type": "home"}]}, ["addresses", 0, "address"]),
        (
            {"addresses": [{"address": {"city": "Nowhere"}}]},
            ["addresses", 0, "address", "country"],
        ),
    ],
    ids=["email", "phone", "address", "address country"],
)
def test_a_patch_adding_a_channel_needs_its_required_fields(manager_client, contact, payload, path):
    """A PATCH is validated partially, but a new channel is a creation."""
    before_snapshot, before_counts = snapshot(contact), counts()
    response = manager_client.patch(detail_url(contact), payload, format="json")
    assert response.status_code == 400, response.content
    assert error_at(response.json(), path), response.json()
    assert snapshot(contact) == before_snapshot
    assert counts() == before_counts


def test_a_patch_may_name_kept_channels_by_id_alone(manager_client, contact):
    kept_email = contact.email_addresses.get()
    kept_link = contact.addresses.get()
    response = manager_client.patch(
        detail_url(contact),
        {
            "email_addresses": [{"email": "new@example.com"}, {"id": kept_email.pk}],
            "addresses": [{"id": kept_link.pk, "address_type": "home"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    rows = list(contact.email_addresses.order_by("pk").values_list("email", "is_primary"))
    assert rows == [("kept@example.com", False), ("new@example.com", True)]
    kept_link.refresh_from_db()
    assert kept_link.address_type == "home"
    assert kept_link.address.city == "Kept City"


def test_a_kept_channel_named_by_id_still_counts_for_duplicates(manager_client, contact):
    kept_email = contact.email_addresses.get()
    before_snapshot, before_counts = snapshot(contact), counts()
    response = manager_client.patch(
        detail_url(contact),
        {"email_addresses": [{"id": kept_email.pk}, {"email": "KEPT@example.com"}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "email" in error_at(response.json(), ["email_addresses", 1])
    assert snapshot(contact) == before_snapshot
    assert counts() == before_counts
