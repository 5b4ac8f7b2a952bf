import factory

from api.v1.base_models.organization.tests.factories import OrganizationFactory

from .models import Gadget


class GadgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gadget

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Gadget {n}")
