"""Helpers of the contact API tests."""

from django.urls import reverse

from api.v1.base_models.common.models import Address
from api.v1.base_models.contact.models import (
    Contact,
    ContactAddress,
    ContactEmailAddress,
    ContactPhoneNumber,
)

LIST_URL = reverse("api-v1:contact-list")


def detail_url(contact) -> str:
    return reverse("api-v1:contact-detail", args=[getattr(contact, "pk", contact)])


def counts() -> dict[str, int]:
    """Rows of every table a contact write touches."""
    return {
        model.__name__: model.objects.count()
        for model in (Contact, ContactEmailAddress, ContactPhoneNumber, ContactAddress, Address)
    }


def address_payload(**fields) -> dict:
    return {
        "street_address_1": "1 Main Street",
        "city": "San Francisco",
        "state_province": "CA",
        "postal_code": "94105",
        "country": "US",
        **fields,
    }


def primary_of(rows: list[dict], key: str):
    """The `key` of the one row marked primary (asserting there is exactly one)."""
    marked = [row[key] for row in rows if row["is_primary"]]
    assert len(marked) == 1, rows
    return marked[0]
