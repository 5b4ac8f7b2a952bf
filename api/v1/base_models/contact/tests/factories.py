import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.common.tests.factories import AddressFactory
from api.v1.base_models.contact.models import (
    Contact,
    ContactAddress,
    ContactEmailAddress,
    ContactPhoneNumber,
)
from api.v1.base_models.organization.tests.factories import OrganizationFactory


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    title = factory.Faker("job")
    linked_organization = None

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class ContactEmailAddressFactory(DjangoModelFactory):
    class Meta:
        model = ContactEmailAddress

    contact = factory.SubFactory(ContactFactory)
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    is_primary = False


class ContactPhoneNumberFactory(DjangoModelFactory):
    class Meta:
        model = ContactPhoneNumber

    contact = factory.SubFactory(ContactFactory)
    phone_number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    is_primary = False


class ContactAddressFactory(DjangoModelFactory):
    class Meta:
        model = ContactAddress

    contact = factory.SubFactory(ContactFactory)
    address = factory.SubFactory(AddressFactory)
    is_primary = False
