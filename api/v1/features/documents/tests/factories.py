import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.base_models.files.tests.factories import FileStorageFactory
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.features.documents import services
from api.v1.features.documents.models import Document


class DocumentFactory(DjangoModelFactory):
    """A document with one version (a stored PDF of its organization); `versions=N` for
    more, `tags=[...]` for tags."""

    class Meta:
        model = Document
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Document {n}")
    description = factory.Faker("sentence")
    document_type = factory.SubFactory(CategoryFactory, category_type=CategoryType.DOCUMENT_TYPE)
    custom_fields = factory.LazyFunction(dict)

    @factory.post_generation
    def versions(self, create, extracted, **kwargs):
        if create:
            for n in range(extracted or 1):
                file = FileStorageFactory(
                    organization=self.organization, original_name=f"{self.title} v{n + 1}.pdf"
                )
                services.add_version(self, file, note=f"Version {n + 1}")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)
