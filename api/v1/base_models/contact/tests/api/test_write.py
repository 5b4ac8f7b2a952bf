"""Writing contacts with their channels through /api/v1/contacts/."""

import pytest

from api.v1.base_models.common.models import Address
from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.contact.models import (
    Contact,
    ContactAddress,
    ContactEmailAddress,
    ContactPhoneNumber,
)
from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.organization.tests.factories import OrganizationFactory

from .helpers import LIST_URL, address_payload, counts, detail_url, primary_of

pytestmark = pytest.mark.django_db


def primary_in_db(model, contact_id, field):
    values = list(
        model.objects.filter(contact_id=contact_id, is_primary=True).values_list(field, flat=True)
    )
    assert len(values) == 1, values
    return values[0]


class TestCreate:
    def test_with_every_kind_of_channel_in_one_request(self, manager_client, manager, org):
        response = manager_client.post(
            LIST_URL,
            {
                "organization": org.pk,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "title": "Analyst",
                "department": "Engines",
                "contact_type": "technical",
                "status": "inactive",
                "source": "conference",
                "notes": "Met at the exhibition.",
                "email_addresses": [
                    {"email": "ada@example.com", "email_type": "work"},
                    {"email": "ada@home.example", "email_type": "personal"},
                ],
                "phone_numbers": [
                    {"phone_number": "+14155550100", "phone_type": "work"},
                    {"phone_number": "+442079460000"},
                ],
                "addresses": [
                    {"address": address_payload(), "address_type": "billing"},
                    {"address": address_payload(city="London", country="GB", postal_code="")},
                ],
                "tags": ["vip", "lead"],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        contact = Contact.objects.get(pk=body["id"])
        assert body["organization"] == org.pk
        assert body["full_name"] == "Ada Lovelace"
        assert body["contact_type"] == "technical"
        assert body["status"] == "inactive"
        assert sorted(body["tags"]) == ["lead", "vip"]
        assert contact.organization == org
        assert contact.title == "Analyst"
        assert contact.notes == "Met at the exhibition."
        assert contact.created_by == manager
        assert sorted(contact.tags.names()) == ["lead", "vip"]

        # E-mail addresses: rows in the DB, the first one primary.
        assert {row["email"]: row["email_type"] for row in body["email_addresses"]} == {
            "ada@example.com": "work",
            "ada@home.example": "personal",
        }
        assert primary_of(body["email_addresses"], "email") == "ada@example.com"
        emails = ContactEmailAddress.objects.filter(contact=contact)
        assert {e.email: e.is_primary for e in emails} == {
            "ada@example.com": True,
            "ada@home.example": False,
        }
        assert {row["id"] for row in body["email_addresses"]} == {e.pk for e in emails}
        assert all(e.created_by == manager for e in emails)

        # Phone numbers, normalised to E.164; the default type is mobile.
        assert primary_of(body["phone_numbers"], "phone_number") == "+14155550100"
        phones = {
            str(p.phone_number): p for p in ContactPhoneNumber.objects.filter(contact=contact)
        }
        assert set(phones) == {"+14155550100", "+442079460000"}
        assert phones["+14155550100"].is_primary
        assert phones["+442079460000"].phone_type == "mobile"

        # Addresses: one common.Address row each, owned by the link.
        links = list(ContactAddress.objects.filter(contact=contact).select_related("address"))
        assert len(links) == 2
        by_city = {link.address.city: link for link in links}
        assert by_city["San Francisco"].is_primary
        assert by_city["San Francisco"].address_type == "billing"
        assert by_city["San Francisco"].address.postal_code == "94105"
        assert by_city["London"].address.country.code == "GB"
        assert not by_city["London"].is_primary
        assert by_city["London"].address_type == "work"
        assert primary_of(body["addresses"], "address")["city"] == "San Francisco"
        assert {row["address"]["id"] for row in body["addresses"]} == {
            link.address_id for link in links
        }

    def test_without_channels(self, manager_client, org):
        before = counts()
        response = manager_client.post(
            LIST_URL, {"organization": org.pk, "first_name": "Solo"}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["email_addresses"] == []
        assert body["phone_numbers"] == []
        assert body["addresses"] == []
        assert body["tags"] == []
        assert body["full_name"] == "Solo"
        after = counts()
        assert after["Contact"] == before["Contact"] + 1
        assert after["ContactEmailAddress"] == before["ContactEmailAddress"]
        assert after["Address"] == before["Address"]

    def test_several_sent_as_primary_the_first_of_them_is_primary(self, manager_client, org):
        response = manager_client.post(
            LIST_URL,
            {
                "organization": org.pk,
                "first_name": "Many",
                "email_addresses": [
                    {"email": "a@example.com"},
                    {"email": "b@example.com", "is_primary": True},
                    {"email": "c@example.com", "is_primary": True},
                ],
                "phone_numbers": [
                    {"phone_number": "+14155550101", "is_primary": True},
                    {"phone_number": "+14155550102", "is_primary": True},
                ],
                "addresses": [
                    {"address": address_payload(city="One")},
                    {"address": address_payload(city="Two"), "is_primary": True},
                    {"address": address_payload(city="Three"), "is_primary": True},
                ],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert primary_of(body["email_addresses"], "email") == "b@example.com"
        assert primary_of(body["phone_numbers"], "phone_number") == "+14155550101"
        assert primary_of(body["addresses"], "address")["city"] == "Two"
        assert primary_in_db(ContactEmailAddress, body["id"], "email") == "b@example.com"
        assert str(primary_in_db(ContactPhoneNumber, body["id"], "phone_number")) == (
            "+14155550101"
        )
        assert primary_in_db(ContactAddress, body["id"], "address__city") == "Two"

    def test_none_sent_as_primary_the_first_one_is_primary(self, manager_client, org):
        response = manager_client.post(
            LIST_URL,
            {
                "organization": org.pk,
                "first_name": "None",
                "email_addresses": [
                    {"email": "a@example.com", "is_primary": False},
                    {"email": "b@example.com", "is_primary": False},
                ],
                "phone_numbers": [
                    {"phone_number": "+14155550101"},
                    {"phone_number": "+14155550102"},
                ],
                "addresses": [
                    {"address": address_payload(city="One")},
                    {"address": address_payload(city="Two")},
                ],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert primary_of(body["email_addresses"], "email") == "a@example.com"
        assert primary_of(body["phone_numbers"], "phone_number") == "+14155550101"
        assert primary_of(body["addresses"], "address")["city"] == "One"
        assert primary_in_db(ContactEmailAddress, body["id"], "email") == "a@example.com"
        assert primary_in_db(ContactAddress, body["id"], "address__city") == "One"

    def test_the_same_email_in_two_contacts_is_fine(self, manager_client, org):
        ContactEmailAddressFactory(contact__organization=org, email="shared@example.com")
        response = manager_client.post(
            LIST_URL,
            {
                "organization": org.pk,
                "first_name": "Second",
                "email_addresses": [{"email": "shared@example.com"}],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert ContactEmailAddress.objects.filter(email="shared@example.com").count() == 2


@pytest.fixture
def full_contact(org):
    """A contact of `org` with three channels of each kind (the first ones primary)."""
    contact = ContactFactory(organization=org, first_name="Grace", last_name="Hopper")
    for n in range(3):
        ContactEmailAddressFactory(contact=contact, email=f"grace{n}@example.com")
        ContactPhoneNumberFactory(contact=contact, phone_number=f"+1415555010{n}")
        ContactAddressFactory(contact=contact, address__city=f"City {n}")
    return contact


def channel_ids(contact, model):
    return list(model.objects.filter(contact=contact).order_by("pk").values_list("pk", flat=True))


class TestUpdate:
    def test_a_channel_list_replaces_the_channels(self, manager_client, manager, full_contact):
        e1, e2, e3 = channel_ids(full_contact, ContactEmailAddress)
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "email_addresses": [
                    {"id": e2, "email": "grace.new@example.com", "email_type": "personal"},
                    {"email": "added@example.com", "is_primary": True},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        rows = ContactEmailAddress.objects.filter(contact=full_contact)
        state = {row.pk: (row.email, row.email_type, row.is_primary) for row in rows}
        added = next(pk for pk in state if pk not in (e1, e2, e3))
        assert state == {
            e2: ("grace.new@example.com", "personal", False),
            added: ("added@example.com", "work", True),
        }
        assert ContactEmailAddress.objects.get(pk=e2).updated_by == manager
        body = response.json()
        assert {row["id"] for row in body["email_addresses"]} == {e2, added}
        assert primary_of(body["email_addresses"], "email") == "added@example.com"
        # The other kinds were not in the payload: untouched.
        assert len(body["phone_numbers"]) == 3
        assert len(body["addresses"]) == 3

    def test_keeping_a_channel_by_id_can_make_it_primary(self, manager_client, full_contact):
        p1, _p2, p3 = channel_ids(full_contact, ContactPhoneNumber)
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "phone_numbers": [
                    {"id": p1, "phone_number": "+14155550100"},
                    {"id": p3, "phone_number": "+14155550102", "is_primary": True},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert channel_ids(full_contact, ContactPhoneNumber) == [p1, p3]
        assert primary_in_db(ContactPhoneNumber, full_contact.pk, "pk") == p3
        assert primary_of(response.json()["phone_numbers"], "id") == p3

    def test_addresses_are_updated_added_and_removed(self, manager_client, full_contact):
        links = list(ContactAddress.objects.filter(contact=full_contact).order_by("pk"))
        kept, removed_1, removed_2 = links
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "addresses": [
                    {
                        "id": kept.pk,
                        "address": {"city": "Berlin", "country": "DE", "postal_code": "10115"},
                        "address_type": "home",
                    },
                    {"address": address_payload(city="Paris", country="FR")},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert not Address.objects.filter(
            pk__in=[removed_1.address_id, removed_2.address_id]
        ).exists()
        assert not ContactAddress.objects.filter(pk__in=[removed_1.pk, removed_2.pk]).exists()
        kept.refresh_from_db()
        # Updated in place: the same Address row.
        address = Address.objects.get(pk=kept.address_id)
        assert (address.city, address.country.code, address.postal_code) == (
            "Berlin",
            "DE",
            "10115",
        )
        assert kept.address_type == "home"
        assert kept.is_primary
        new = ContactAddress.objects.filter(contact=full_contact).exclude(pk=kept.pk).get()
        assert new.address.city == "Paris"
        assert not new.is_primary
        assert Address.objects.filter(contact_link__contact=full_contact).count() == 2

    def test_an_empty_list_removes_every_channel_of_that_kind(self, manager_client, full_contact):
        address_ids = list(full_contact.addresses.values_list("address_id", flat=True))
        response = manager_client.patch(
            detail_url(full_contact), {"addresses": [], "email_addresses": []}, format="json"
        )
        assert response.status_code == 200, response.content
        assert not full_contact.addresses.exists()
        assert not full_contact.email_addresses.exists()
        assert not Address.objects.filter(pk__in=address_ids).exists()
        assert full_contact.phone_numbers.count() == 3

    def test_omitted_channel_keys_leave_the_channels_untouched(self, manager_client, full_contact):
        before = {
            model: list(
                model.objects.filter(contact=full_contact)
                .order_by("pk")
                .values_list("pk", "is_primary", "updated_at")
            )
            for model in (ContactEmailAddress, ContactPhoneNumber, ContactAddress)
        }
        response = manager_client.patch(
            detail_url(full_contact), {"first_name": "Amazing Grace"}, format="json"
        )
        assert response.status_code == 200, response.content
        full_contact.refresh_from_db()
        assert full_contact.first_name == "Amazing Grace"
        for model, rows in before.items():
            assert (
                list(
                    model.objects.filter(contact=full_contact)
                    .order_by("pk")
                    .values_list("pk", "is_primary", "updated_at")
                )
                == rows
            )
        body = response.json()
        assert len(body["email_addresses"]) == 3
        assert primary_of(body["email_addresses"], "email") == "grace0@example.com"

    def test_put_replaces_fields_and_channels(self, manager_client, org, full_contact):
        e1 = channel_ids(full_contact, ContactEmailAddress)[0]
        response = manager_client.put(
            detail_url(full_contact),
            {
                "organization": org.pk,
                "first_name": "Put",
                "last_name": "Contact",
                "email_addresses": [{"id": e1, "email": "put@example.com"}],
                "phone_numbers": [],
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert channel_ids(full_contact, ContactEmailAddress) == [e1]
        assert ContactEmailAddress.objects.get(pk=e1).email == "put@example.com"
        assert not full_contact.phone_numbers.exists()
        assert full_contact.addresses.count() == 3

    # Values move between channels of one request: kept channels give up a changed
    # value before any channel is written.
    def test_swapping_email_addresses_between_channels(self, manager_client, full_contact):
        e1, e2, _e3 = channel_ids(full_contact, ContactEmailAddress)
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "email_addresses": [
                    {"id": e1, "email": "grace1@example.com"},
                    {"id": e2, "email": "grace0@example.com"},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert ContactEmailAddress.objects.get(pk=e1).email == "grace1@example.com"
        assert ContactEmailAddress.objects.get(pk=e2).email == "grace0@example.com"

    def test_swapping_phone_numbers_between_channels(self, manager_client, full_contact):
        p1, p2, _p3 = channel_ids(full_contact, ContactPhoneNumber)
        first = str(ContactPhoneNumber.objects.get(pk=p1).phone_number)
        second = str(ContactPhoneNumber.objects.get(pk=p2).phone_number)
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "phone_numbers": [
                    {"id": p1, "phone_number": second},
                    {"id": p2, "phone_number": first},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert str(ContactPhoneNumber.objects.get(pk=p1).phone_number) == second
        assert str(ContactPhoneNumber.objects.get(pk=p2).phone_number) == first

    def test_a_new_channel_may_take_the_value_a_kept_one_gives_up(
        self, manager_client, full_contact
    ):
        e1 = channel_ids(full_contact, ContactEmailAddress)[0]
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "email_addresses": [
                    {"email": "grace0@example.com"},
                    {"id": e1, "email": "renamed@example.com"},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert ContactEmailAddress.objects.get(pk=e1).email == "renamed@example.com"

    def test_a_new_channel_may_take_the_value_of_one_being_removed(
        self, manager_client, full_contact
    ):
        response = manager_client.patch(
            detail_url(full_contact),
            {"email_addresses": [{"email": "grace2@example.com", "email_type": "other"}]},
            format="json",
        )
        assert response.status_code == 200, response.content
        rows = list(full_contact.email_addresses.values_list("email", "email_type", "is_primary"))
        assert rows == [("grace2@example.com", "other", True)]

    def test_an_id_of_another_contacts_channel_is_refused(self, manager_client, org, full_contact):
        foreign_email = ContactEmailAddressFactory(contact__organization=org, email="x@example.com")
        foreign_address = ContactAddressFactory(contact=foreign_email.contact)
        before = counts()
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "first_name": "Changed",
                "email_addresses": [
                    {"email": "grace0@example.com"},
                    {"id": foreign_email.pk, "email": "stolen@example.com"},
                ],
            },
            format="json",
        )
        assert response.status_code == 400, response.content
        assert response.json()["email_addresses"].keys() == {"1"}
        assert "id" in response.json()["email_addresses"]["1"]
        response = manager_client.patch(
            detail_url(full_contact),
            {"addresses": [{"id": foreign_address.pk, "address": {"city": "Stolen"}}]},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "id" in response.json()["addresses"]["0"]
        # Nothing changed anywhere.
        assert counts() == before
        full_contact.refresh_from_db()
        assert full_contact.first_name == "Grace"
        foreign_email.refresh_from_db()
        assert foreign_email.email == "x@example.com"
        assert foreign_email.contact_id != full_contact.pk
        foreign_address.address.refresh_from_db()
        assert foreign_address.address.city != "Stolen"
        assert full_contact.email_addresses.count() == 3

    def test_the_same_id_twice_is_refused(self, manager_client, full_contact):
        e1 = channel_ids(full_contact, ContactEmailAddress)[0]
        before = counts()
        response = manager_client.patch(
            detail_url(full_contact),
            {
                "email_addresses": [
                    {"id": e1, "email": "one@example.com"},
                    {"id": e1, "email": "two@example.com"},
                ]
            },
            format="json",
        )
        assert response.status_code == 400, response.content
        assert response.json()["email_addresses"].keys() == {"1"}
        assert "id" in response.json()["email_addresses"]["1"]
        assert counts() == before
        assert ContactEmailAddress.objects.get(pk=e1).email == "grace0@example.com"


class TestLinkedOrganization:
    def test_a_child_of_the_contacts_organization(self, manager_client, org):
        child = OrganizationFactory(parent=org, name="Acme West")
        grandchild = OrganizationFactory(parent=child, name="Acme West Sales")
        response = manager_client.post(
            LIST_URL,
            {"organization": org.pk, "first_name": "Linked", "linked_organization": child.pk},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["linked_organization"] == child.pk
        assert body["linked_organization_name"] == "Acme West"
        assert Contact.objects.get(pk=body["id"]).linked_organization == child
        response = manager_client.patch(
            detail_url(body["id"]), {"linked_organization": grandchild.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["linked_organization_name"] == "Acme West Sales"

    def test_the_contacts_own_organization(self, manager_client, org):
        response = manager_client.post(
            LIST_URL,
            {"organization": org.pk, "first_name": "Self", "linked_organization": org.pk},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["linked_organization_name"] == "Acme"

    def test_another_tree_is_refused(self, manager_client, org, other_org):
        before = counts()
        response = manager_client.post(
            LIST_URL,
            {"organization": org.pk, "first_name": "Bad", "linked_organization": other_org.pk},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "linked_organization" in response.json()
        assert counts() == before

    def test_an_unknown_id_reads_like_another_tenants(self, manager_client, org, other_org):
        answers = []
        for linked in (other_org.pk, 999_999):
            response = manager_client.post(
                LIST_URL,
                {"organization": org.pk, "first_name": "Probe", "linked_organization": linked},
                format="json",
            )
            assert response.status_code == 400
            answers.append(response.json())
        assert answers[0] == answers[1]

    def test_a_parent_or_sibling_is_refused(self, superuser_client, org):
        child = OrganizationFactory(parent=org)
        sibling = OrganizationFactory(parent=org)
        contact = ContactFactory(organization=child)
        for linked in (org, sibling):
            response = superuser_client.patch(
                detail_url(contact), {"linked_organization": linked.pk}, format="json"
            )
            assert response.status_code == 400, response.content
            assert "linked_organization" in response.json()
        contact.refresh_from_db()
        assert contact.linked_organization is None

    def test_clearing_it(self, manager_client, org):
        contact = ContactFactory(organization=org, linked_organization=org)
        response = manager_client.patch(
            detail_url(contact), {"linked_organization": None}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["linked_organization_name"] is None
        contact.refresh_from_db()
        assert contact.linked_organization is None

    def test_moving_the_contact_keeps_the_rule(self, superuser_client, org, other_org):
        child = OrganizationFactory(parent=org)
        contact = ContactFactory(organization=org, linked_organization=child)
        response = superuser_client.patch(
            detail_url(contact), {"organization": other_org.pk}, format="json"
        )
        assert response.status_code == 400, response.content
        assert "linked_organization" in response.json()
        contact.refresh_from_db()
        assert contact.organization == org


class TestTags:
    """A PATCH of the tags: tests/contract.py."""

    def test_left_alone_when_omitted(self, manager_client, org):
        contact = ContactFactory(organization=org, tags=["stay"])
        response = manager_client.patch(detail_url(contact), {"title": "CTO"}, format="json")
        assert response.status_code == 200, response.content
        assert list(contact.tags.names()) == ["stay"]

    def test_must_be_a_list(self, manager_client, org):
        contact = ContactFactory(organization=org, tags=["stay"])
        response = manager_client.patch(detail_url(contact), {"tags": 5}, format="json")
        assert response.status_code == 400
        assert "tags" in response.json()
        assert list(contact.tags.names()) == ["stay"]


class TestDelete:
    def test_removes_channels_and_addresses(self, manager_client, full_contact):
        address_ids = list(full_contact.addresses.values_list("address_id", flat=True))
        other = ContactAddressFactory(contact__organization=full_contact.organization)
        response = manager_client.delete(detail_url(full_contact))
        assert response.status_code == 204
        assert not Contact.objects.filter(pk=full_contact.pk).exists()
        for model in (ContactEmailAddress, ContactPhoneNumber, ContactAddress):
            assert not model.objects.filter(contact_id=full_contact.pk).exists()
        assert not Address.objects.filter(pk__in=address_ids).exists()
        assert Address.objects.filter(pk=other.address_id).exists()
        assert manager_client.get(detail_url(full_contact)).status_code == 404

    def test_an_unrelated_address_survives(self, manager_client, org):
        unrelated = AddressFactory()
        contact = ContactFactory(organization=org)
        assert manager_client.delete(detail_url(contact)).status_code == 204
        assert Address.objects.filter(pk=unrelated.pk).exists()
