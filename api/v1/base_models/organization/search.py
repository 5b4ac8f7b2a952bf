"""Organizations in the search (core.searching)."""

from core.searching import declare

from .models import Organization

declare(
    Organization,
    fields={"name": "A", "code": "A"},
    route="api-v1:organization-detail",
    status="status",
)
