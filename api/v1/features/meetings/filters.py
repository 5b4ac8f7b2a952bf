import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import ContentTypeFilter, FilterSet, StrictBooleanFilter

from .models import Meeting


class MeetingFilter(FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    host = django_filters.NumberFilter(field_name="host_id")
    mine = StrictBooleanFilter(
        method="filter_mine",
        help_text=_("true: only the meetings you host or are invited to."),
    )
    starts_after = django_filters.IsoDateTimeFilter(field_name="start_time", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="start_time", lookup_expr="lt")
    content_type = ContentTypeFilter(
        field_name="content_type",
        help_text=_('Meetings about records of this type ("products.product").'),
    )
    object_id = django_filters.CharFilter(
        field_name="object_id", help_text=_("Meetings about the record with this id.")
    )

    class Meta:
        model = Meeting
        fields = [
            "organization",
            "status",
            "host",
            "mine",
            "starts_after",
            "starts_before",
            "content_type",
            "object_id",
        ]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = self.request.user
        mine = Q(host=user) | Q(participants__user=user)
        ids = queryset.model.objects.filter(mine).values("pk")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)
