"""Meetings in the search (core.searching): found only by those who may see them (their
participants, and whoever may manage the organization's meetings: restrict_visible)."""

from core.searching import declare

from .models import Meeting

declare(
    Meeting,
    fields={"topic": "A", "agenda": "C"},
    route="api-v1:meeting-detail",
    status="status",
)
