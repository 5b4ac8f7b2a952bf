import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from core.filters import FilterSet

from .models import Comment


class CommentFilter(FilterSet):
    content_type = django_filters.CharFilter(
        method="filter_content_type",
        help_text='The type of the record, "app_label.model" (e.g. "products.product").',
    )
    object_id = django_filters.CharFilter(help_text="The id of the record.")
    author = django_filters.NumberFilter(field_name="created_by_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Comment
        fields = [
            "content_type",
            "object_id",
            "organization",
            "author",
            "status",
            "created_after",
            "created_before",
        ]

    def filter_content_type(self, queryset, name, value):
        app_label, _dot, model = value.lower().partition(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            raise ValidationError(
                {"content_type": [_("Unknown kind of record %(value)s.") % {"value": value}]}
            )
        return queryset.filter(content_type=content_type)
