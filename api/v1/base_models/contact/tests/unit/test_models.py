"""Contact and its channels: fields, the one-primary rule, uniqueness, owned addresses."""

import pytest
from crum import impersonate
from django.db import IntegrityError, transaction

from api.v1.base_models.common.models import Address
from api.v1.base_models.contact.choices import ContactStatus, ContactType
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
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANNEL_FACTORIES = {
    "email": ContactEmailAddressFactory,
    "phone": ContactPhoneNumberFactory,
    "address": ContactAddressFactory,
}
KINDS = list(CHANNEL_FACTORIES)


def primaries(contact, model):
    return list(model.objects.filter(contact=contact, is_primary=True).values_list("pk", flat=True))


class TestContact:
    def test_defaults(self):
        contact = Contact.objects.create(organization=OrganizationFactory(), first_name="Ada")
        contact.refresh_from_db()
        assert contact.last_name == ""
        assert contact.title == ""
        assert contact.department == ""
        assert contact.source == ""
        assert contact.notes == ""
        assert contact.contact_type == ContactType.PRIMARY
        assert contact.status == ContactStatus.ACTIVE
        assert contact.linked_organization is None
        assert contact.custom_fields == {}
        assert contact.created_at is not None
        assert contact.updated_at is not None
        assert contact.created_by is None
        assert list(contact.tags.all()) == []

    def test_full_name_and_str(self):
        contact = ContactFactory(first_name="Ada", last_name="Lovelace")
        assert contact.full_name == "Ada Lovelace"
        assert str(contact) == "Ada Lovelace"
        contact.last_name = ""
        assert contact.full_name == "Ada"
        assert str(contact) == "Ada"

    def test_ordering_is_last_name_first_name_id(self):
        organization = OrganizationFactory()
        zed_b = ContactFactory(organization=organization, first_name="Bea", last_name="Zed")
        zed_a = ContactFactory(organization=organization, first_name="Al", last_name="Zed")
        alpha = ContactFactory(organization=organization, first_name="Cy", last_name="Alpha")
        twin_1 = ContactFactory(organization=organization, first_name="Al", last_name="Moe")
        twin_2 = ContactFactory(organization=organization, first_name="Al", last_name="Moe")
        assert list(Contact.objects.all()) == [alpha, twin_1, twin_2, zed_a, zed_b]

    def test_organization_is_required(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contact.objects.create(first_name="Orphan")
        assert not Contact.objects.exists()

    def test_organization_is_protected(self):
        from django.db.models import ProtectedError

        contact = ContactFactory()
        with pytest.raises(ProtectedError):
            contact.organization.delete()
        assert Contact.objects.filter(pk=contact.pk).exists()

    def test_linked_organization_is_cleared_when_it_is_deleted(self):
        linked = OrganizationFactory()
        contact = ContactFactory(linked_organization=linked)
        assert list(linked.contacts.all()) == [contact]
        linked.delete()
        contact.refresh_from_db()
        assert contact.linked_organization is None

    def test_tags(self):
        vip = ContactFactory(tags=["vip", "lead"])
        ContactFactory(tags=["lead"])
        ContactFactory()
        assert sorted(vip.tags.names()) == ["lead", "vip"]
        assert list(Contact.objects.filter(tags__name="vip")) == [vip]
        assert Contact.objects.filter(tags__name="lead").count() == 2
        vip.tags.remove("vip")
        assert not Contact.objects.filter(tags__name="vip").exists()

    def test_created_by_and_updated_by_come_from_the_current_user(self):
        author, editor = UserFactory(), UserFactory()
        with impersonate(author):
            contact = ContactFactory()
            email = ContactEmailAddressFactory(contact=contact)
        assert (contact.created_by, contact.updated_by) == (author, author)
        assert (email.created_by, email.updated_by) == (author, author)
        with impersonate(editor):
            contact.first_name = "Changed"
            contact.save()
            email.email_type = "personal"
            email.save()
        contact.refresh_from_db()
        email.refresh_from_db()
        assert (contact.created_by, contact.updated_by) == (author, editor)
        assert (email.created_by, email.updated_by) == (author, editor)
        # Without a current user nothing is recorded, nor overwritten.
        contact.save()
        contact.refresh_from_db()
        assert (contact.created_by, contact.updated_by) == (author, editor)


class TestOnePrimaryRule:
    @pytest.mark.parametrize("kind", KINDS)
    def test_the_first_channel_is_primary_even_if_saved_as_not_primary(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        first = factory(is_primary=False)
        first.refresh_from_db()
        assert first.is_primary is True

    @pytest.mark.parametrize("kind", KINDS)
    def test_a_second_channel_not_primary_stays_secondary(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        first = factory()
        second = factory(contact=first.contact)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.is_primary, second.is_primary) == (True, False)

    @pytest.mark.parametrize("kind", KINDS)
    def test_saving_another_as_primary_demotes_the_previous_one(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        model = factory._meta.model
        first = factory()
        second = factory(contact=first.contact)
        third = factory(contact=first.contact, is_primary=True)
        assert primaries(first.contact, model) == [third.pk]
        second.is_primary = True
        second.save()
        assert primaries(first.contact, model) == [second.pk]
        # The ordering lists the primary one first.
        assert list(model.objects.filter(contact=first.contact)) == [second, first, third]

    @pytest.mark.parametrize("kind", KINDS)
    def test_the_only_primary_cannot_be_saved_as_not_primary(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        model = factory._meta.model
        first = factory()
        factory(contact=first.contact)
        first.is_primary = False
        first.save()
        assert primaries(first.contact, model) == [first.pk]

    @pytest.mark.parametrize("kind", KINDS)
    def test_the_database_refuses_a_second_primary(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        model = factory._meta.model
        first = factory()
        second = factory(contact=first.contact)
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=second.pk).update(is_primary=True)
        assert primaries(first.contact, model) == [first.pk]
        # Primaries of different contacts do not collide.
        other = factory()
        assert primaries(other.contact, model) == [other.pk]

    @pytest.mark.parametrize("kind", KINDS)
    def test_deleting_the_primary_promotes_the_oldest_remaining(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        model = factory._meta.model
        first = factory()
        contact = first.contact
        second = factory(contact=contact)
        third = factory(contact=contact)
        third.is_primary = True
        third.save()
        third.delete()
        assert primaries(contact, model) == [first.pk]
        first.delete()
        assert primaries(contact, model) == [second.pk]
        second.delete()
        assert not model.objects.filter(contact=contact).exists()

    @pytest.mark.parametrize("kind", KINDS)
    def test_deleting_a_secondary_keeps_the_primary(self, kind):
        factory = CHANNEL_FACTORIES[kind]
        model = factory._meta.model
        first = factory()
        second = factory(contact=first.contact)
        third = factory(contact=first.contact)
        second.delete()
        assert primaries(first.contact, model) == [first.pk]
        assert model.objects.filter(contact=first.contact).count() == 2
        assert model.objects.filter(pk=third.pk, is_primary=False).exists()

    def test_kinds_are_independent(self):
        contact = ContactFactory()
        email_1 = ContactEmailAddressFactory(contact=contact)
        phone_1 = ContactPhoneNumberFactory(contact=contact)
        address_1 = ContactAddressFactory(contact=contact)
        email_2 = ContactEmailAddressFactory(contact=contact, is_primary=True)
        # A new primary e-mail address leaves the other kinds' primaries alone.
        assert primaries(contact, ContactEmailAddress) == [email_2.pk]
        assert primaries(contact, ContactPhoneNumber) == [phone_1.pk]
        assert primaries(contact, ContactAddress) == [address_1.pk]
        phone_2 = ContactPhoneNumberFactory(contact=contact, is_primary=True)
        assert primaries(contact, ContactEmailAddress) == [email_2.pk]
        assert primaries(contact, ContactPhoneNumber) == [phone_2.pk]
        email_2.delete()
        assert primaries(contact, ContactEmailAddress) == [email_1.pk]
        assert primaries(contact, ContactPhoneNumber) == [phone_2.pk]
        assert primaries(contact, ContactAddress) == [address_1.pk]

    def test_contacts_are_independent(self):
        one, two = ContactFactory(), ContactFactory()
        email_one = ContactEmailAddressFactory(contact=one)
        email_two = ContactEmailAddressFactory(contact=two)
        ContactEmailAddressFactory(contact=two, is_primary=True)
        assert primaries(one, ContactEmailAddress) == [email_one.pk]
        assert email_two.pk not in primaries(two, ContactEmailAddress)


class TestUniqueness:
    def test_an_email_address_once_per_contact(self):
        email = ContactEmailAddressFactory(email="ada@example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            ContactEmailAddressFactory(contact=email.contact, email="ada@example.com")
        # Another contact may have it.
        ContactEmailAddressFactory(email="ada@example.com")
        assert ContactEmailAddress.objects.filter(email="ada@example.com").count() == 2

    def test_a_phone_number_once_per_contact(self):
        phone = ContactPhoneNumberFactory(phone_number="+14155550100")
        with pytest.raises(IntegrityError), transaction.atomic():
            ContactPhoneNumberFactory(contact=phone.contact, phone_number="+14155550100")
        ContactPhoneNumberFactory(phone_number="+14155550100")
        assert ContactPhoneNumber.objects.filter(phone_number="+14155550100").count() == 2

    def test_str_of_channels(self):
        assert str(ContactEmailAddressFactory(email="ada@example.com")) == "ada@example.com"
        assert str(ContactPhoneNumberFactory(phone_number="+14155550100")) == "+14155550100"
        address = ContactAddressFactory(
            address__street_address_1="1 Main St",
            address__postal_code="94105",
            address__city="San Francisco",
            address__state_province="CA",
            address__country="US",
        )
        assert str(address) == "1 Main St, 94105 San Francisco, CA, United States of America"


class TestOwnedAddresses:
    def test_deleting_a_contact_address_deletes_its_address(self):
        link = ContactAddressFactory()
        kept = ContactAddressFactory(contact=link.contact)
        address_id = link.address_id
        link.delete()
        assert not Address.objects.filter(pk=address_id).exists()
        assert Address.objects.filter(pk=kept.address_id).exists()

    def test_deleting_a_contact_deletes_its_channels_and_their_addresses(self):
        contact = ContactFactory()
        for _ in range(2):
            ContactEmailAddressFactory(contact=contact)
            ContactPhoneNumberFactory(contact=contact)
            ContactAddressFactory(contact=contact)
        other = ContactAddressFactory()
        ContactEmailAddressFactory(contact=other.contact)
        address_ids = list(contact.addresses.values_list("address_id", flat=True))
        assert len(address_ids) == 2

        contact.delete()

        for model in (ContactEmailAddress, ContactPhoneNumber, ContactAddress):
            assert not model.objects.filter(contact_id=contact.pk).exists()
        assert not Address.objects.filter(pk__in=address_ids).exists()
        # The other contact keeps everything.
        assert Address.objects.filter(pk=other.address_id).exists()
        assert other.contact.email_addresses.count() == 1

    def test_deleting_the_address_deletes_the_link(self):
        link = ContactAddressFactory()
        Address.objects.filter(pk=link.address_id).delete()
        assert not ContactAddress.objects.filter(pk=link.pk).exists()
