import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.data_jobs.choices import FileFormat, JobKind
from api.v1.features.data_jobs.models import DataJob
from api.v1.features.products.models import Product


class DataJobFactory(DjangoModelFactory):
    """A queued export of products (never run: no task is queued)."""

    class Meta:
        model = DataJob

    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.SubFactory(UserFactory)
    kind = JobKind.EXPORT
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Product))
    view = "api.v1.features.products.views.ProductViewSet"
    format = FileFormat.CSV
