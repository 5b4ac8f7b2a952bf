"""/api/v1/organizations/: filters, search, the default order and the number of queries
of a list with field rules (ordering and plain query counts: the API contract,
test_organizations_contract.py)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationTypeFactory,
)
from rbac.models import FieldPermission
from tests.contract import assert_constant_queries

from .helpers import ids, org_list_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    """acme (Company, EUR, tags emea) > (sales [Department, inactive], support [Department,
    archived, tag emea+apac]); globex (Customer, USD, tag apac)."""
    acme = OrganizationFactory(name="Acme", code="ACME", currency_id="EUR", tags=["emea"])
    department = OrganizationTypeFactory(name="Department")
    sales = OrganizationFactory(
        name="Sales",
        code="ACME-SALES",
        parent=acme,
        organization_type=department,
        status="inactive",
    )
    support = OrganizationFactory(
        name="Support",
        code="ACME-SUP",
        parent=acme,
        organization_type=department,
        status="archived",
        tags=["emea", "apac"],
    )
    globex = OrganizationFactory(
        name="Globex",
        code="GLX",
        currency_id="USD",
        tags=["apac"],
        organization_type=OrganizationTypeFactory(name="Customer"),
    )
    return {"acme": acme, "sales": sales, "support": support, "globex": globex}


@pytest.fixture
def client(jwt_client, superuser):
    return jwt_client(superuser)


def listed(client, **params):
    return set(ids(client.get(org_list_url(), {**params, "page_size": 100})))


def pks(orgs, *names):
    return {orgs[name].pk for name in names}


class TestFilters:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, ["acme", "sales", "support", "globex"]),
            ({"organization_type": "Department"}, ["sales", "support"]),
            ({"organization_type": "Customer"}, ["globex"]),
            ({"status": "active"}, ["acme", "globex"]),
            ({"status": "archived"}, ["support"]),
            ({"is_root": "true"}, ["acme", "globex"]),
            ({"is_root": "false"}, ["sales", "support"]),
            ({"currency": "EUR"}, ["acme"]),
            ({"tags": "emea"}, ["acme", "support"]),
            ({"tags": "apac"}, ["support", "globex"]),
            ({"tags": "none-such"}, []),
            ({"organization_type": "Department", "status": "inactive"}, ["sales"]),
        ],
    )
    def test_filters(self, client, orgs, params, expected):
        assert listed(client, **params) == pks(orgs, *expected)

    def test_parent(self, client, orgs):
        assert listed(client, parent=orgs["acme"].pk) == pks(orgs, "sales", "support")
        assert listed(client, parent=orgs["globex"].pk) == set()

    def test_a_tag_filter_lists_each_organization_once(self, client, orgs):
        orgs["acme"].tags.add("apac")

        response = client.get(org_list_url(), {"tags": "apac"})

        assert sorted(ids(response)) == sorted(pks(orgs, "acme", "support", "globex"))
        assert response.json()["count"] == 3

    @pytest.mark.parametrize(
        "params",
        [
            {"is_root": "perhaps"},
            {"status": "dormant"},
            {"organization_type": "Guild"},
            {"currency": "ZZZ"},
            {"parent": "abc"},
        ],
    )
    def test_invalid_filter_values_are_400(self, client, orgs, params):
        response = client.get(org_list_url(), params)

        assert response.status_code == 400
        assert set(response.json()) == set(params)


class TestSearchAndOrdering:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("acme", ["acme", "sales", "support"]),  # by code for the children
            ("glob", ["globex"]),
            ("SUP", ["support"]),
            ("nothing", []),
        ],
    )
    def test_search_by_name_and_code(self, client, orgs, term, expected):
        assert listed(client, search=term) == pks(orgs, *expected)

    def test_the_default_order_is_the_tree(self, client, orgs):
        order = ids(client.get(org_list_url()))

        assert order == [
            orgs["acme"].pk,
            orgs["sales"].pk,
            orgs["support"].pk,
            orgs["globex"].pk,
        ]

    def test_an_unknown_ordering_field_is_ignored(self, client, orgs):
        assert ids(client.get(org_list_url(), {"ordering": "metadata"})) == ids(
            client.get(org_list_url())
        )


# -------------------------------------------------------------------- query counts
def test_a_members_list_with_field_rules_runs_the_same_queries(jwt_client, member, admin_role):
    """With a field rule of the caller's role in every organization listed (the query
    counts of plain lists: the API contract, test_organizations_contract.py)."""
    root = OrganizationFactory(name="Root", tags=["root"])
    user = member(root, admin_role)
    FieldPermission.objects.create(
        role=admin_role,
        content_type=ContentType.objects.get_for_model(Organization),
        field_name="metadata",
        can_read=False,
    )

    def make_more(count):
        for n in range(count):
            organization = OrganizationFactory(
                name=f"Unit {n:02d}",
                parent=root,
                currency_id="EUR" if n % 2 else "USD",
                primary_address=AddressFactory(),
                organization_type=OrganizationTypeFactory(name="Department" if n % 2 else "Team"),
                tags=[f"tag-{n}", "common"],
            )
            contact = Contact.objects.create(organization=organization, first_name=f"Person {n}")
            Organization.objects.filter(pk=organization.pk).update(primary_contact=contact)
            member(organization, admin_role, user=user)

    rows = assert_constant_queries(
        jwt_client(user), org_list_url(), make_more, params={"is_root": "false"}
    )

    assert all("metadata" not in row for row in rows)
    assert all(row["primary_contact"] and row["primary_address"] for row in rows)
