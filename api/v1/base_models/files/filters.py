import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import TaggedFilterSet, created_between

from .models import FileStorage


class FileFilter(TaggedFilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    mime_type = django_filters.CharFilter(
        method="filter_mime_type",
        help_text=_('A MIME type ("application/pdf"), or a family of them ("image/*").'),
    )
    uploaded_by = django_filters.NumberFilter(
        field_name="created_by_id", help_text=_("Id of the user who uploaded the file.")
    )
    created_after, created_before = created_between()
    size_min = django_filters.NumberFilter(field_name="size", lookup_expr="gte")
    size_max = django_filters.NumberFilter(field_name="size", lookup_expr="lte")
    checksum = django_filters.CharFilter(help_text=_("SHA-256, hexadecimal: the same content."))

    class Meta:
        model = FileStorage
        fields = [
            "organization",
            "mime_type",
            "uploaded_by",
            "created_after",
            "created_before",
            "size_min",
            "size_max",
            "checksum",
            "tags",
            "tags_all",
        ]

    def filter_mime_type(self, queryset, name, value):
        if value.endswith("/*"):
            return queryset.filter(mime_type__startswith=value[:-1])
        return queryset.filter(mime_type=value)
