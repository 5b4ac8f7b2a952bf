import django_filters

from core.filters import ContentTypeFilter, FilterSet, created_between

from .models import Comment


class CommentFilter(FilterSet):
    content_type = ContentTypeFilter(
        help_text='The type of the record, "app_label.model" (e.g. "products.product").',
    )
    object_id = django_filters.CharFilter(help_text="The id of the record.")
    author = django_filters.NumberFilter(field_name="created_by_id")
    created_after, created_before = created_between()

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
