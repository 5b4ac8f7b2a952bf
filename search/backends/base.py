"""What every search backend takes and answers."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from rest_framework.exceptions import APIException

from core.searching import SearchDeclaration

from ..text import Query


class SearchUnavailable(APIException):
    """The search engine cannot be reached: a 503 to the caller, a retry for indexing."""

    status_code = 503
    default_detail = "Search is unavailable at the moment. Try again shortly."
    default_code = "search_unavailable"


@dataclass(frozen=True)
class Scope:
    """Records of one type that a search may find: those of `organizations` (None:
    every organization's and shared ones), matched on `fields` only (the declared
    fields the caller may read there) and, when `records` is given, only those (a
    queryset of ids: the model's restrict_visible)."""

    declaration: SearchDeclaration
    organizations: frozenset | None
    fields: tuple[str, ...]
    records: QuerySet | None = None

    @property
    def all_fields(self) -> bool:
        return set(self.fields) == set(self.declaration.fields)


@dataclass(frozen=True)
class Filters:
    organization: int | None = None
    tags: tuple[str, ...] = ()  # normalized tag names, all required
    status: str | None = None
    created_after: datetime.datetime | None = None
    created_before: datetime.datetime | None = None


@dataclass(frozen=True)
class SearchRequest:
    query: Query
    scopes: tuple[Scope, ...]
    filters: Filters = field(default_factory=Filters)
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    label: str  # "app_label.model"
    object_id: int
    organization_id: int | None
    score: float


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    types: dict[str, int]  # label -> records found
    organizations: dict[int | None, int]  # organization id -> records found


class SearchBackend:
    """The interface of a backend. Records come from the declaration's queryset
    (search.indexing), already normalized into IndexDocuments."""

    def index(self, declaration: SearchDeclaration, documents: list) -> None:
        raise NotImplementedError

    def remove(self, declaration: SearchDeclaration, object_ids: list[int]) -> None:
        raise NotImplementedError

    def rebuild(self, declaration: SearchDeclaration, batches) -> int:
        """Replace the model's whole index by `batches` (an iterable of lists of
        documents) so that searches see the old index until the new one is complete.
        Returns the number of documents indexed."""
        raise NotImplementedError

    def search(self, request: SearchRequest) -> SearchResult:
        raise NotImplementedError

    def autocomplete(self, request: SearchRequest) -> list[Hit]:
        raise NotImplementedError

    def count(self, declaration: SearchDeclaration) -> int:
        raise NotImplementedError

    def ping(self) -> None:
        """Return if the index can be searched now, raise otherwise (readiness)."""
        raise NotImplementedError
