from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ContactAddress


@receiver(post_delete, sender=ContactAddress, dispatch_uid="contact.delete_owned_address")
def delete_owned_address(sender, instance, **kwargs):
    """A contact's address belongs to it alone: it goes with the link (also when the
    contact itself is deleted)."""
    from api.v1.base_models.common.models import Address

    Address.objects.filter(pk=instance.address_id).delete()
