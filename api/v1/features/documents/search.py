"""Documents in the search (core.searching)."""

from core.searching import declare

from .models import Document

declare(
    Document,
    fields={"title": "A", "description": "C"},
    route="api-v1:document-detail",
    status="status",
)
