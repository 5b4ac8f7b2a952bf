from django.db import models

from core.custom_fields import CustomFieldsModel
from core.models import Auditable, Timestamped


class TimestampedThing(Timestamped):
    name = models.CharField(max_length=100)


class AuditableThing(Auditable):
    name = models.CharField(max_length=100)


class NaturalKeyThing(Timestamped, Auditable):
    """A model whose primary key is set before the first save (like a currency code)."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)


class CustomFieldsThing(CustomFieldsModel):
    name = models.CharField(max_length=100)
