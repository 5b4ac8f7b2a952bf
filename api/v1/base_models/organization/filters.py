import django_filters

from core.filters import FilterSet, StrictBooleanFilter, TaggedFilterSet

from .models import Organization, OrganizationMembership


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
