import django_filters

from core.filters import TaggedFilterSet

from .models import Contact


class ContactFilter(TaggedFilterSet):
    # Plain id filters: they narrow the caller's own results and never tell whether an
    # id exists in another organization.
    organization = django_filters.NumberFilter(field_name="organization_id")
    linked_organization = django_filters.NumberFilter(field_name="linked_organization_id")
    email = django_filters.CharFilter(
        field_name="email_addresses__email", lookup_expr="iexact", distinct=True
    )

    class Meta:
        model = Contact
        fields = ["organization", "linked_organization", "contact_type", "status", "tags", "email"]
