import django_filters

from core.filters import (
    ContentTypeFilter,
    FilterSet,
    IntegerFilter,
    StrictBooleanFilter,
    created_between,
)

from .choices import NotificationLevel
from .models import Notification


class NotificationFilter(FilterSet):
    is_read = StrictBooleanFilter(
        method="filter_is_read", help_text="true: read ones only; false: unread ones only."
    )
    type = django_filters.CharFilter(
        method="filter_type",
        help_text='Type codes, comma-separated (e.g. "comment_mention,comment_reply").',
    )
    level = django_filters.MultipleChoiceFilter(choices=NotificationLevel.choices)
    organization = django_filters.NumberFilter(field_name="organization_id")
    target_type = ContentTypeFilter(
        field_name="target_content_type",
        help_text='The kind of record they are about, "app_label.model" (e.g. "products.product").',
    )
    target_id = django_filters.CharFilter(
        field_name="target_object_id", help_text="The id of the record they are about."
    )
    created_after, created_before = created_between()
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed since then: new ones and repeats collapsed into older ones.",
    )
    after = IntegerFilter(
        field_name="id",
        lookup_expr="gt",
        min_value=0,
        max_value=2**63 - 1,
        help_text="Only those with a greater id: what a client that reconnects has not "
        "seen yet (with `ordering=id`, oldest first).",
    )

    class Meta:
        model = Notification
        fields = [
            "is_read",
            "type",
            "level",
            "organization",
            "target_type",
            "target_id",
            "created_after",
            "created_before",
            "updated_after",
            "after",
        ]

    def filter_is_read(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=not value)

    def filter_type(self, queryset, name, value):
        codes = {code.strip() for code in value.split(",") if code.strip()}
        return queryset.filter(type_code__in=codes) if codes else queryset
