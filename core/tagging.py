"""Tags (django-taggit) on the platform's records: which models are taggable, and tag
slugs that can always be addressed. The tags endpoint is api.base.tags."""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.db.models.signals import pre_save
from django.dispatch import receiver
from taggit.models import Tag

from .registry import models_with


def taggable_models() -> dict[str, type]:
    """{"app_label.model": model} of every model with tags (core.registry)."""
    return {model._meta.label_lower: model for model in models_with("taggable")}


@receiver(pre_save, sender=Tag)
def _addressable_slug(sender, instance, **kwargs):
    """A name that slugifies to nothing ("!!!") gets a slug of its own, derived from the
    name, so that `/tags/<slug>/` can address it (taggit would store an empty one)."""
    if not instance.slug:
        digest = hashlib.sha256(instance.name.encode("utf-8", "surrogatepass")).hexdigest()
        instance.slug = f"tag-{digest[:12]}"


def prefetch_tags(instances) -> None:
    """Load the tags of these records (of one taggable model) in one query, into the
    cache `prefetch_related("tags")` fills, which the serializers and the ETags read.

    Use it instead of `prefetch_related("tags")`: django-taggit builds and discards a
    filtered queryset per record while prefetching (about half of a 100-row list), this
    builds none. Records whose tags are cached already are left alone, and a change to
    the tags clears the cache as before (django-taggit pops it)."""
    instances = [
        each for each in instances if "tags" not in getattr(each, "_prefetched_objects_cache", {})
    ]
    if not instances:
        return
    field = instances[0]._meta.get_field("tags")
    tag_model = field.related_model
    tags: dict = {}  # one instance per tag, however many records carry it
    found: dict = {}
    rows = field.through.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instances[0])),
        object_id__in={each.pk for each in instances},
    )
    for object_id, pk, name, slug in rows.order_by().values_list(
        "object_id", "tag_id", "tag__name", "tag__slug"
    ):
        if pk not in tags:
            tags[pk] = tag_model(pk=pk, name=name, slug=slug)
            tags[pk]._state.adding = False
        found.setdefault(object_id, []).append(tags[pk])
    for each in instances:
        cached = QuerySet(model=tag_model)
        cached._result_cache = found.get(each.pk, [])
        cached._prefetch_done = True
        each.__dict__.setdefault("_prefetched_objects_cache", {})["tags"] = cached
