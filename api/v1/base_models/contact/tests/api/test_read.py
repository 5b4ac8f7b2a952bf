"""Reading contacts: representation, filters and search beyond the API contract
(test_contract.py: ordering, search by each field and query counts are there)."""

import pytest

from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.organization.tests.factories import OrganizationFactory

from .helpers import LIST_URL, detail_url

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def people(org, other_org):
    child = OrganizationFactory(parent=org, name="Acme Labs")
    ada = ContactFactory(
        organization=org,
        first_name="Ada",
        last_name="Lovelace",
        title="Analyst",
        contact_type="technical",
        status="active",
        linked_organization=child,
        tags=["vip", "engine"],
    )
    ContactEmailAddressFactory(contact=ada, email="ada@engines.example")
    ContactEmailAddressFactory(contact=ada, email="countess@engines.example")
    grace = ContactFactory(
        organization=org,
        first_name="Grace",
        last_name="Hopper",
        title="Admiral",
        contact_type="billing",
        status="inactive",
        tags=["lead"],
    )
    ContactEmailAddressFactory(contact=grace, email="grace@navy.example")
    alan = ContactFactory(
        organization=org,
        first_name="Alan",
        last_name="Turing",
        title="Mathematician",
        contact_type="technical",
        status="archived",
    )
    outsider = ContactFactory(
        organization=other_org,
        first_name="Olga",
        last_name="Outsider",
        title="Spy",
        contact_type="sales",
        tags=["vip"],
    )
    ContactEmailAddressFactory(contact=outsider, email="ada@engines.example")
    return {"ada": ada, "grace": grace, "alan": alan, "outsider": outsider, "child": child}


class TestRepresentation:
    def test_retrieve_lists_the_channels_primary_first(self, manager_client, org):
        contact = ContactFactory(organization=org, first_name="Ada", last_name="Lovelace")
        first = ContactEmailAddressFactory(contact=contact, email="first@example.com")
        second = ContactEmailAddressFactory(
            contact=contact, email="second@example.com", is_primary=True
        )
        phone = ContactPhoneNumberFactory(contact=contact, phone_number="+14155550100")
        address = ContactAddressFactory(contact=contact, address__city="Boston")
        response = manager_client.get(detail_url(contact))
        assert response.status_code == 200
        body = response.json()
        assert body["full_name"] == "Ada Lovelace"
        assert [row["id"] for row in body["email_addresses"]] == [second.pk, first.pk]
        assert [row["is_primary"] for row in body["email_addresses"]] == [True, False]
        assert body["phone_numbers"] == [
            {
                "id": phone.pk,
                "phone_number": "+14155550100",
                "phone_type": "mobile",
                "is_primary": True,
            }
        ]
        assert body["addresses"][0]["id"] == address.pk
        assert body["addresses"][0]["address"]["id"] == address.address_id
        assert body["addresses"][0]["address"]["city"] == "Boston"
        assert body["addresses"][0]["address"]["country"] == "US"
        assert body["linked_organization"] is None
        assert body["linked_organization_name"] is None

    def test_default_ordering_is_by_name(self, manager_client, people):
        listed = ids(manager_client.get(LIST_URL))
        assert listed == [people["grace"].pk, people["ada"].pk, people["alan"].pk]


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"contact_type": "technical"}, ["ada", "alan"]),
            ({"status": "inactive"}, ["grace"]),
            ({"status": "archived", "contact_type": "technical"}, ["alan"]),
            ({"tags": "vip"}, ["ada", "outsider"]),
            ({"tags": "lead"}, ["grace"]),
            ({"tags": "nothing"}, []),
            ({"email": "ADA@Engines.example"}, ["ada", "outsider"]),
            ({"email": "grace@navy.example"}, ["grace"]),
            ({"email": "navy.example"}, []),  # exact, not a substring
        ],
    )
    def test_filters(self, superuser_client, people, query, expected):
        listed = ids(superuser_client.get(LIST_URL, query))
        assert sorted(listed) == sorted(people[name].pk for name in expected)

    def test_organization(self, superuser_client, people, org, other_org):
        assert ids(superuser_client.get(LIST_URL, {"organization": other_org.pk})) == [
            people["outsider"].pk
        ]
        assert len(ids(superuser_client.get(LIST_URL, {"organization": org.pk}))) == 3

    def test_linked_organization(self, superuser_client, people):
        listed = ids(superuser_client.get(LIST_URL, {"linked_organization": people["child"].pk}))
        assert listed == [people["ada"].pk]

    def test_a_contact_matching_through_several_rows_is_listed_once(self, manager_client, people):
        ada = people["ada"]
        ContactEmailAddressFactory(contact=ada, email="ADA@engines.EXAMPLE.org")
        response = manager_client.get(LIST_URL, {"tags": "vip", "search": "engines"})
        assert ids(response) == [ada.pk]
        assert response.json()["count"] == 1

    def test_the_callers_organizations_only(self, manager_client, people):
        assert ids(manager_client.get(LIST_URL, {"tags": "vip"})) == [people["ada"].pk]

    @pytest.mark.parametrize("query", [{"contact_type": "friend"}, {"organization": "acme"}])
    def test_bad_filter_values_are_a_400(self, manager_client, people, query):
        response = manager_client.get(LIST_URL, query)
        assert response.status_code == 400
        assert next(iter(query)) in response.json()


class TestSearch:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("Lovelace", ["ada"]),
            ("grace", ["grace"]),
            ("turing", ["alan"]),
            ("countess@engines", ["ada"]),
            ("navy.example", ["grace"]),
            ("admiral", ["grace"]),
            ("nobody-like-this", []),
        ],
    )
    def test_by_name_title_and_email(self, manager_client, people, term, expected):
        listed = ids(manager_client.get(LIST_URL, {"search": term}))
        assert sorted(listed) == sorted(people[name].pk for name in expected)
