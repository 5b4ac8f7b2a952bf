import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from api.v1.features.collaboration.models import Comment
from api.v1.features.products.tests.factories import ProductFactory


class CommentFactory(DjangoModelFactory):
    """A comment on a product (`target=` for another record), in its organization."""

    class Meta:
        model = Comment
        exclude = ["target"]

    target = factory.SubFactory(ProductFactory)
    organization = factory.SelfAttribute("target.organization")
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.target))
    object_id = factory.LazyAttribute(lambda o: str(o.target.pk))
    content = factory.Sequence(lambda n: f"A remark ({n}).")
