from api.base.views import ScopedModelViewSet

from .filters import ContactFilter
from .models import Contact
from .serializers import ContactSerializer

TAGS = ["contacts"]


class ContactViewSet(ScopedModelViewSet):
    """Contacts of your organizations, with their channels. Your role in the contact's
    organization decides what you may do (contact.view/add/change/delete_contact)."""

    schema_tags = TAGS

    queryset = Contact.objects.select_related("linked_organization").prefetch_related(
        "email_addresses", "phone_numbers", "addresses__address"
    )
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = [
        "first_name",
        "last_name",
        "title",
        "department",
        "email_addresses__email",
        "notes",
    ]
    ordering_fields = ["last_name", "first_name", "created_at", "updated_at", "status"]
    # Channels and the linked organization too, beyond the default fields.
    json_filter_fields = (
        "id",
        "first_name",
        "last_name",
        "title",
        "department",
        "contact_type",
        "status",
        "source",
        "notes",
        "organization",
        "organization__code",
        "linked_organization",
        "linked_organization__name",
        "email_addresses__email",
        "phone_numbers__phone_number",
        "addresses__address__city",
        "addresses__address__country",
        "tags__name",
        "created_at",
        "updated_at",
        "custom_fields",
    )
