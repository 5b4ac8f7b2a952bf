"""`?filter=` on /api/v1/organizations/ and its hierarchy actions, over HTTP."""

import datetime

import pytest

from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    OrganizationTypeFactory,
    RoleFactory,
)

from .helpers import cond, filter_error, get_filtered, listed, listed_set

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"


@pytest.fixture
def world(member, jwt_client):
    customer = OrganizationTypeFactory(name="Customer")
    head = OrganizationFactory(
        name="Acme", code="ACME", tags=["group"], custom_fields={"employees": 500}
    )
    north = OrganizationFactory(
        parent=head,
        name="Acme North",
        code="ACME-N",
        status="inactive",
        effective_date=datetime.date(2020, 1, 1),
        tags=["region", "vip"],
        custom_fields={"employees": 40, "region": "north"},
    )
    south = OrganizationFactory(
        parent=head,
        name="Acme South",
        code="ACME-S",
        organization_type=customer,
        effective_date=datetime.date(2023, 6, 1),
        tags=["region"],
        custom_fields={"region": "south"},
    )
    # A sub-organization of north the caller is not a member of.
    hidden = OrganizationFactory(parent=north, name="Acme North Lab", code="ACME-NL")
    other = OrganizationFactory(name="Other Corp", code="OTHER", tags=["vip", "region"])
    role = RoleFactory(permissions=["organization.view_organization"])
    user = member(head, role=role)
    for organization in (north, south):
        OrganizationMembershipFactory(user=user, organization=organization, role=role)
    return type(
        "World",
        (),
        {
            "client": jwt_client(user),
            "head": head,
            "north": north,
            "south": south,
            "hidden": hidden,
            "other": other,
        },
    )


def found(world, definition, url=URL):
    ids = listed_set(get_filtered(world.client, url, definition))
    return {Organization.objects.get(pk=pk).code for pk in ids}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("name", "icontains", "north"), {"ACME-N"}),
        (cond("code", "eq", "ACME"), {"ACME"}),
        (cond("code", "in", ["ACME-S", "OTHER"]), {"ACME-S"}),
        (cond("status", "eq", "inactive"), {"ACME-N"}),
        (cond("status", "neq", "inactive"), {"ACME", "ACME-S"}),
        (cond("organization_type__name", "eq", "Customer"), {"ACME-S"}),
        (cond("organization_type", "eq", "Company"), {"ACME", "ACME-N"}),
        (cond("level", "gt", 0), {"ACME-N", "ACME-S"}),
        (cond("effective_date", "gte", "2021-01-01"), {"ACME-S"}),
        (cond("effective_date", "isnull", True), {"ACME"}),
        (cond("tags__name", "eq", "vip"), {"ACME-N"}),
        (cond("tags__name", "neq", "vip"), {"ACME", "ACME-S"}),
        (cond("custom_fields__employees", "gte", 100), {"ACME"}),
        (cond("custom_fields__region", "in", ["north", "south"]), {"ACME-N", "ACME-S"}),
    ],
)
def test_operators(world, condition, expected):
    assert found(world, condition) == expected


def test_parent_by_id(world):
    assert found(world, cond("parent", "eq", world.head.pk)) == {"ACME-N", "ACME-S"}
    assert found(world, cond("parent", "isnull", True)) == {"ACME"}
    assert found(world, cond("id", "in", [world.north.pk, world.south.pk])) == {
        "ACME-N",
        "ACME-S",
    }


def test_nesting(world):
    definition = {
        "and": [
            cond("tags__name", "eq", "region"),
            {"or": [cond("status", "eq", "inactive"), {"not": cond("code", "iendswith", "-s")}]},
        ]
    }
    assert found(world, definition) == {"ACME-N"}


def test_the_hierarchy_actions_filter_too(world):
    url = f"{URL}{world.head.pk}/descendants/"
    assert found(world, cond("name", "icontains", "south"), url) == {"ACME-S"}
    assert found(world, cond("tags__name", "eq", "region"), url) == {"ACME-N", "ACME-S"}
    url = f"{URL}{world.head.pk}/children/"
    assert found(world, {"not": cond("status", "eq", "inactive")}, url) == {"ACME-S"}
    # The organization whose relatives are listed need not match the filters itself.
    assert listed(world.client.get(url, {"status": "inactive"})) == [world.north.pk]
    url = f"{URL}{world.south.pk}/ancestors/"
    assert found(world, cond("code", "eq", "ACME"), url) == {"ACME"}
    response = get_filtered(world.client, url, cond("secret", "eq", "x"))
    assert "cannot be used in a filter" in filter_error(response)


def test_errors(world):
    message = filter_error(get_filtered(world.client, URL, cond("parent__name", "eq", "x")))
    assert message.startswith('Field "parent__name" cannot be used in a filter on this endpoint')
    message = filter_error(get_filtered(world.client, URL, cond("level", "gt", "high")))
    assert message == 'Field "level", operator "gt": "high" is not a whole number.'
    message = filter_error(get_filtered(world.client, URL, cond("name", "icontains", 5)))
    assert message == 'Field "name", operator "icontains": icontains takes a text, not 5.'
    message = filter_error(get_filtered(world.client, URL, cond("level", "startswith", "1")))
    assert (
        message == 'Field "level", operator "startswith": startswith applies to text fields only.'
    )


def test_the_list_keeps_its_order_and_pagination(world):
    response = get_filtered(world.client, URL, cond("tags__name", "eq", "region"), page_size=1)
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is not None
    first = listed(response)
    second = listed(world.client.get(body["next"]))
    assert first + second == [world.north.pk, world.south.pk]
