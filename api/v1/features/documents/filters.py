import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from core.filters import TaggedFilterSet, created_between
from rbac.serializers import ContentTypeField

from .models import Document


class DocumentFilter(TaggedFilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    document_type = django_filters.NumberFilter(field_name="document_type_id")
    content_type = django_filters.CharFilter(
        method="filter_content_type",
        help_text=_('Documents about records of this type ("products.product").'),
    )
    object_id = django_filters.CharFilter(
        field_name="object_id", help_text=_("Documents about the record with this id.")
    )
    created_after, created_before = created_between()

    class Meta:
        model = Document
        fields = [
            "organization",
            "document_type",
            "status",
            "content_type",
            "object_id",
            "created_after",
            "created_before",
            "tags",
            "tags_all",
        ]

    def filter_content_type(self, queryset, name, value):
        try:
            content_type = ContentTypeField().to_internal_value(value)
        except ValidationError:
            return queryset.none()
        return queryset.filter(content_type=content_type)
