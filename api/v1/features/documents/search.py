"""Documents in the search (core.searching): their title, description, and the text of
their current version's file (`content`, indexed once extracted: documents.tasks)."""

from core.searching import declare

from .models import Document

declare(
    Document,
    fields={"title": "A", "description": "C", "content": "D"},
    route="api-v1:document-detail",
    status="status",
    select_related=("current_version__file__extracted",),
)
