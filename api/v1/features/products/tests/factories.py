import factory
from factory.django import DjangoModelFactory

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory, UnitOfMeasureFactory
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from api.v1.features.products.choices import ProductStatus, ProductType
from api.v1.features.products.models import Product


class ProductFactory(DjangoModelFactory):
    """A draft product, complete enough to be activated (description and category).
    Pass `status=` for another state, `tags=[...]` for tags."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    description = factory.Faker("sentence")
    product_type = factory.Iterator(ProductType.values)
    category = factory.SubFactory(CategoryFactory, category_type=CategoryType.PRODUCT)
    status = ProductStatus.DRAFT
    base_uom = factory.SubFactory(UnitOfMeasureFactory, code="EA")
    attributes = factory.LazyFunction(dict)
    custom_fields = factory.LazyFunction(dict)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)
