import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.features.automation.models import AutomationRule


class AutomationRuleFactory(DjangoModelFactory):
    """A rule on product updates, without conditions or actions."""

    class Meta:
        model = AutomationRule

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Rule {n:05d}")
    content_type = factory.LazyFunction(
        lambda: ContentType.objects.get_by_natural_key("products", "product")
    )
    trigger = "updated"
