import django_filters
from django.db.models import Q
from django.utils import timezone

from core.filters import FilterSet, StrictBooleanFilter, TaggedFilterSet

from .choices import InvitationStatus
from .models import Organization, OrganizationInvitation, OrganizationMembership


class OrganizationFilter(TaggedFilterSet):
    # Plain id filters: they narrow the caller's own results and never tell whether an
    # id exists elsewhere.
    parent = django_filters.NumberFilter(field_name="parent_id")
    is_root = StrictBooleanFilter(field_name="parent", lookup_expr="isnull")

    class Meta:
        model = Organization
        fields = ["organization_type", "status", "parent", "currency", "tags", "is_root"]


class OrganizationMembershipFilter(FilterSet):
    user = django_filters.NumberFilter(field_name="user_id")
    organization = django_filters.NumberFilter(field_name="organization_id")
    role = django_filters.NumberFilter(field_name="role_id")

    class Meta:
        model = OrganizationMembership
        fields = ["user", "organization", "role", "is_active"]


class OrganizationInvitationFilter(FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    role = django_filters.NumberFilter(field_name="role_id")
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    status = django_filters.ChoiceFilter(
        choices=InvitationStatus.choices,
        method="filter_status",
        help_text="As shown: a pending invitation past its expiry is expired.",
    )

    class Meta:
        model = OrganizationInvitation
        fields = ["organization", "role", "email", "status"]

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == InvitationStatus.PENDING:
            return queryset.filter(status=value, expires_at__gt=now)
        if value == InvitationStatus.EXPIRED:
            return queryset.filter(
                Q(status=value) | Q(status=InvitationStatus.PENDING, expires_at__lte=now)
            )
        return queryset.filter(status=value)
