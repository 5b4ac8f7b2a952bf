from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import services
from .models import Warehouse


@receiver(post_delete, sender=Warehouse, dispatch_uid="inventory.delete_owned_address")
def delete_owned_address(sender, instance, **kwargs):
    """A warehouse's address goes with it (unless something else refers to it)."""
    services.discard_address(instance.address_id)
