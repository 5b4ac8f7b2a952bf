"""A deleted file's bytes are removed once its deletion commits, however it was
deleted (the API, the Admin, a queryset)."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import FileStorage
from .services import discard


@receiver(post_delete, sender=FileStorage, dispatch_uid="files.remove_stored_bytes")
def remove_stored_bytes(sender, instance, using, **kwargs):
    if instance.file.name:
        transaction.on_commit(
            partial(discard, instance.file.name, instance.file.storage), using=using
        )
