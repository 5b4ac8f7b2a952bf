"""Tags (django-taggit) on the platform's records: which models are taggable, and tag
slugs that can always be addressed. The tags endpoint is api.base.tags."""

import hashlib

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
