"""Contacts in the search (core.searching)."""

from core.searching import declare

from .models import Contact

declare(
    Contact,
    fields={
        "first_name": "A",
        "last_name": "A",
        "title": "B",
        "department": "B",
        "notes": "D",
    },
    title="full_name",
    route="api-v1:contact-detail",
    status="status",
)
