"""A filter narrows what the caller may see; it never widens it, and it reveals nothing
of another organization's data through related fields."""

import pytest

from api.v1.base_models.contact.tests.factories import ContactEmailAddressFactory, ContactFactory
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from api.v1.features.products.tests.factories import ProductFactory

from .helpers import cond, filter_error, get_filtered, listed_set

pytestmark = pytest.mark.django_db

SECRET = "Zebracorn"


@pytest.fixture
def world(jwt_client):
    org_a = OrganizationFactory(name="Alpha", code="ALPHA")
    org_b = OrganizationFactory(name="Bravo", code="ZEBRA", tags=[SECRET.lower()])
    role = RoleFactory(
        permissions=[
            "contact.view_contact",
            "organization.view_organization",
            "organization.view_organizationmembership",
            "products.view_product",
            "inventory.view_warehouse",
            "inventory.view_stocklocation",
        ]
    )
    user = UserFactory()
    OrganizationMembershipFactory(user=user, organization=org_a, role=role)
    OrganizationMembershipFactory(
        user=UserFactory(username=SECRET.lower()), organization=org_b, role=role
    )
    mine = [ContactFactory(organization=org_a, last_name=name) for name in ("Able", "Baker")]
    theirs = ContactFactory(
        organization=org_b, last_name=SECRET, tags=[SECRET.lower()], notes=SECRET
    )
    ContactEmailAddressFactory(contact=theirs, email=f"{SECRET.lower()}@example.com")
    # Each side has a product, a warehouse and a stock location; B's carry the secret.
    ProductFactory(organization=org_a, sku="MINE-1", tags=["shared"])
    ProductFactory(organization=org_b, sku=SECRET, name=SECRET, tags=["shared", SECRET.lower()])
    StockLocationFactory(organization=org_a, name="Shelf")
    StockLocationFactory(
        warehouse=WarehouseFactory(
            organization=org_b, code=SECRET, name=SECRET, tags=[SECRET.lower()]
        ),
        name=SECRET,
        barcode=SECRET,
    )
    # One of A's contacts works for B: A knows that much (the contact is A's, and its
    # linked organization's name is part of it).
    ContactFactory(organization=org_a, last_name="Liaison", linked_organization=org_b)
    return type(
        "World",
        (),
        {
            "client": jwt_client(user),
            "org_a": org_a,
            "org_b": org_b,
            "mine": {contact.pk for contact in mine},
            "theirs": theirs,
        },
    )


def test_an_or_cannot_widen_the_callers_contacts(world):
    definition = {
        "or": [
            cond("organization", "eq", world.org_b.pk),
            cond("last_name", "icontains", ""),
        ]
    }
    response = get_filtered(world.client, "/api/v1/contacts/", definition)
    found = listed_set(response)
    assert world.theirs.pk not in found
    assert world.mine <= found
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/products/", "sku"),
        ("/api/v1/warehouses/", "code"),
        ("/api/v1/stock-locations/", "name"),
    ],
)
def test_an_or_cannot_widen_the_callers_inventory(world, url, field):
    definition = {"or": [cond("organization", "eq", world.org_b.pk), cond(field, "icontains", "")]}
    response = get_filtered(world.client, url, definition)
    rows = response.json()["results"]
    assert len(rows) == 1
    assert {row["organization"] for row in rows} == {world.org_a.pk}
    assert SECRET.lower() not in response.content.decode().lower()


def test_an_or_cannot_widen_the_callers_organizations(world):
    definition = {"or": [cond("id", "eq", world.org_b.pk), cond("name", "icontains", "")]}
    assert listed_set(get_filtered(world.client, "/api/v1/organizations/", definition)) == {
        world.org_a.pk
    }
    assert listed_set(
        get_filtered(world.client, "/api/v1/organizations/", {"not": cond("id", "eq", 0)})
    ) == {world.org_a.pk}


@pytest.mark.parametrize(
    ("url", "condition"),
    [
        ("/api/v1/contacts/", cond("organization", "eq", "ORG_B")),
        ("/api/v1/contacts/", cond("organization__code", "eq", "ZEBRA")),
        ("/api/v1/contacts/", cond("tags__name", "eq", SECRET.lower())),
        ("/api/v1/contacts/", cond("email_addresses__email", "istartswith", SECRET)),
        ("/api/v1/contacts/", cond("notes", "icontains", SECRET)),
        ("/api/v1/organizations/", cond("tags__name", "eq", SECRET.lower())),
        ("/api/v1/organizations/", cond("code", "eq", "ZEBRA")),
        ("/api/v1/organization-memberships/", cond("organization__code", "eq", "ZEBRA")),
        ("/api/v1/organization-memberships/", cond("user__username", "eq", SECRET.lower())),
        ("/api/v1/products/", cond("organization", "eq", "ORG_B")),
        ("/api/v1/products/", cond("organization__code", "eq", "ZEBRA")),
        ("/api/v1/products/", cond("organization__name", "icontains", "bravo")),
        ("/api/v1/products/", cond("sku", "eq", SECRET)),
        ("/api/v1/products/", cond("tags__name", "eq", SECRET.lower())),
        ("/api/v1/warehouses/", cond("organization__code", "eq", "ZEBRA")),
        ("/api/v1/warehouses/", cond("code", "eq", SECRET)),
        ("/api/v1/warehouses/", cond("tags__name", "eq", SECRET.lower())),
        ("/api/v1/stock-locations/", cond("organization", "eq", "ORG_B")),
        ("/api/v1/stock-locations/", cond("warehouse__code", "eq", SECRET)),
        ("/api/v1/stock-locations/", cond("warehouse__name", "icontains", SECRET)),
        ("/api/v1/stock-locations/", cond("barcode", "eq", SECRET)),
    ],
)
def test_conditions_on_another_organizations_data_find_nothing(world, url, condition):
    if condition["value"] == "ORG_B":
        condition = {**condition, "value": world.org_b.pk}
    response = get_filtered(world.client, url, condition)
    assert listed_set(response) == set()
    # Nor does their negation reveal anything of B.
    response = get_filtered(world.client, url, {"not": condition})
    assert listed_set(response)
    assert SECRET.lower() not in response.content.decode().lower()


def test_related_paths_cannot_be_extended_past_their_declaration(world):
    # organization__code is allowed on contacts; from the organization on to other
    # organizations' contacts is not.
    for field in (
        "organization__contacts__last_name",
        "linked_organization__contact_contact_set__last_name",
        "linked_organization__name__icontains",
        "tags__name__tagged_items",
    ):
        message = filter_error(
            get_filtered(world.client, "/api/v1/contacts/", cond(field, "eq", "x"))
        )
        assert f'Field "{field}" cannot be used in a filter' in message


def test_a_linked_organization_of_another_tenant_reveals_only_the_callers_contact(world):
    response = get_filtered(
        world.client, "/api/v1/contacts/", cond("linked_organization", "eq", world.org_b.pk)
    )
    assert len(listed_set(response)) == 1
    assert response.json()["results"][0]["last_name"] == "Liaison"
