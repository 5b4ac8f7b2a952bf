"""The database backend: the index is the search_searchentry table (search.models).

PostgreSQL: full-text search on `vector` (the fields' words weighted A to D, 'simple'
configuration: the words are normalized already, search.text), every word of the query
matching a word or the start of one (`'gadg':*`), quoted phrases word after word
(`<->`), ranked by ts_rank. When that finds nothing and pg_trgm is installed, a second
query forgives typos: each query word of four letters or more may instead be like a
word of the title (trigram word similarity). SQLite: the FTS5 table
search_searchentry_fts (one column per weight, bm25 ranking). Both filter on the
organization first (search_entry_org_type).

Records whose organization hides one of the declared fields from the caller (a field
rule) are matched on the readable fields' stored words instead (each query word found
in one of them), ranked after the others, so that a hidden field neither matches nor
orders anything.

A batch of entries is written in one statement (PostgreSQL: INSERT ... ON CONFLICT
with the vectors computed in it; SQLite: an upsert, then the FTS5 rows).
"""

import json
from functools import cache, reduce
from operator import and_, or_

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, FloatField, Func, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Length
from django.db.models.lookups import Contains, GreaterThanOrEqual

from core.searching import WEIGHTS, SearchDeclaration

from ..indexing import IndexDocument
from ..models import SearchEntry
from ..text import Query
from .base import Hit, SearchBackend, SearchRequest, SearchResult

# The SQL of the SQLite FTS5 table (search/migrations/0002), constant: the only value,
# the MATCH text, is a parameter. bm25 weighs its columns a, b, c, d as PostgreSQL's
# ts_rank weighs A, B, C, D.
FTS_MATCHING = "SELECT rowid FROM search_searchentry_fts WHERE search_searchentry_fts MATCH %s"
FTS_RANK = (
    "COALESCE((SELECT -bm25(search_searchentry_fts, 1.0, 0.4, 0.2, 0.1) "
    "FROM search_searchentry_fts WHERE search_searchentry_fts MATCH %s "
    "AND rowid = search_searchentry.id), 0)"
)
FTS_DELETE = "DELETE FROM search_searchentry_fts WHERE rowid = %s"
FTS_INSERT = "INSERT INTO search_searchentry_fts (rowid, a, b, c, d) VALUES (%s, %s, %s, %s, %s)"
# PostgreSQL: a batch of entries (JSON rows) written in one statement, each with its
# vector: the words of the "A" fields weighted A, and so on.
UPSERT = """
INSERT INTO search_searchentry
    (content_type_id, object_id, organization_id, title, fields, tags, status, created_at,
     indexed_at, vector)
SELECT %s, doc.object_id, doc.organization_id, doc.title, doc.fields, doc.tags, doc.status,
       doc.created_at, now(),
       setweight(to_tsvector('simple', doc.a), 'A')
       || setweight(to_tsvector('simple', doc.b), 'B')
       || setweight(to_tsvector('simple', doc.c), 'C')
       || setweight(to_tsvector('simple', doc.d), 'D')
FROM jsonb_to_recordset(%s::jsonb) AS doc(
    object_id bigint, organization_id bigint, title text, fields jsonb, tags text, status text,
    created_at timestamptz, a text, b text, c text, d text
)
ON CONFLICT (content_type_id, object_id) DO UPDATE SET
    organization_id = EXCLUDED.organization_id, title = EXCLUDED.title,
    fields = EXCLUDED.fields, tags = EXCLUDED.tags, status = EXCLUDED.status,
    created_at = EXCLUDED.created_at, indexed_at = EXCLUDED.indexed_at,
    vector = EXCLUDED.vector
"""
# The typo-tolerant match: words of at least TYPO_LENGTH letters, SIMILARITY or more
# like a word of the title ("gadgte" and "gadget": 0.57).
TYPO_LENGTH = 4
SIMILARITY = 0.5


class WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


def _content_type_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk  # cached by Django


@cache
def _trigrams_available() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# Queries ---------------------------------------------------------------------------


def _quoted(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def tsquery(query: Query, weights: str = "") -> str:
    """The tsquery text (to_tsquery('simple', ...)) of a parsed query: its words are
    letters and digits only (search.text), quoted all the same."""
    parts = [f"{_quoted(term)}:*{weights}" for term in query.terms]
    parts += [
        " <-> ".join(f"{_quoted(word)}{':' + weights if weights else ''}" for word in phrase)
        for phrase in query.phrases
    ]
    return " & ".join(parts)


def fts_query(query: Query, columns: str = "") -> str:
    """The FTS5 MATCH text of a parsed query, optionally within `columns` ("a")."""
    scope = f"{columns} : " if columns else ""
    parts = [f'{scope}"{term}"*' for term in query.terms]
    parts += [f'{scope}"{" ".join(phrase)}"' for phrase in query.phrases]
    return " AND ".join(parts)


def _full_text(query: Query, autocomplete: bool) -> tuple[Q, object]:
    """(the condition, the rank) of a full-text match on the index."""
    if _postgres():
        text = tsquery(query, "A" if autocomplete else "")
        ts_query = SearchQuery(text, search_type="raw", config="simple")
        return Q(vector=ts_query), SearchRank(F("vector"), ts_query)
    text = fts_query(query, "a" if autocomplete else "")
    condition = Q(id__in=RawSQL(FTS_MATCHING, [text]))  # noqa: S611 (constant SQL)
    rank = RawSQL(FTS_RANK, [text], output_field=FloatField())  # noqa: S611 (constant SQL)
    return condition, rank


def _typos(query: Query) -> tuple[Q, object] | None:
    """(the condition, the rank) of the typo-tolerant match (PostgreSQL with pg_trgm):
    each word of the query is in the record (as a word or the start of one) or like a
    word of its title (trigram word similarity of at least SIMILARITY); None where it
    cannot help (no pg_trgm, no word of TYPO_LENGTH letters)."""
    if not (_postgres() and _trigrams_available()):
        return None
    if query.phrases or not any(len(term) >= TYPO_LENGTH for term in query.terms):
        return None
    conditions, rank = [], Value(0.0)
    for term in query.terms:
        matched = Q(vector=SearchQuery(tsquery(Query((term,))), search_type="raw", config="simple"))
        if len(term) >= TYPO_LENGTH:
            similarity = WordSimilarity(Value(term), F("title"))
            matched |= Q(GreaterThanOrEqual(similarity, SIMILARITY))
            rank = rank + similarity
        conditions.append(matched)
    return reduce(and_, conditions), rank


def _in_fields(query: Query, fields) -> Q:
    """Each word (and phrase) of the query in one of `fields`' stored words."""

    def anywhere(text: str) -> Q:
        return reduce(or_, (Q(Contains(KeyTextTransform(name, "fields"), text)) for name in fields))

    if not fields:
        return Q(pk__in=[])
    needles = [*query.terms, *(" ".join(phrase) for phrase in query.phrases)]
    return reduce(and_, (anywhere(needle) for needle in needles))


def _organization_is(organization_id: int) -> Q:
    # As a bigint, the column's type: PostgreSQL then matches the organization and the
    # words in one scan of the (organization_id, vector) index (search 0003).
    return Q(organization_id=Cast(Value(organization_id), BigIntegerField()))


def _scope_condition(scope) -> Q:
    condition = Q(content_type_id=_content_type_id(scope.declaration.model))
    if scope.organizations is not None:
        organizations = sorted(scope.organizations)
        condition &= reduce(or_, map(_organization_is, organizations), Q(pk__in=[]))
    if scope.records is not None:
        condition &= Q(object_id__in=scope.records)
    return condition


def _tags(document) -> str:
    """The tags as stored: "|tag|other|" ("" without tags), for `tags__contains`."""
    return "".join(f"|{tag}" for tag in document.tags) + "|" if document.tags else ""


def _filters(filters) -> Q:
    condition = Q()
    if filters.organization is not None:
        condition &= Q(organization_id=filters.organization)
    for tag in filters.tags:
        condition &= Q(tags__contains=f"|{tag}|")
    if filters.status:
        condition &= Q(status=filters.status)
    if filters.created_after is not None:
        condition &= Q(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        condition &= Q(created_at__lt=filters.created_before)
    return condition


def _labels(request: SearchRequest) -> dict[int, str]:
    """{content type id: model label} of the request's types."""
    return {
        _content_type_id(scope.declaration.model): scope.declaration.label
        for scope in request.scopes
    }


def _hits(entries, labels) -> list[Hit]:
    rows = entries.values("content_type", "object_id", "organization_id", "hit_score")
    return [
        Hit(
            labels[row["content_type"]],
            row["object_id"],
            row["organization_id"],
            float(f"{row['hit_score']:.6g}"),
        )
        for row in rows
    ]


class DatabaseBackend(SearchBackend):
    def _matching(self, request: SearchRequest, autocomplete: bool = False, typos=None):
        """The entries matching `request` (or its `typos` match), with their `score` as
        an alias (computed only where a query uses it: not for the counts)."""
        full_text, rank = typos or _full_text(request.query, autocomplete)
        full, restricted = [], []
        for scope in request.scopes:
            fields = scope.fields
            declared = scope.declaration.fields
            if autocomplete:
                fields = [name for name in fields if declared[name] == "A"]
                everything = len(fields) == len(scope.declaration.fields_of_weight("A"))
            else:
                everything = scope.all_fields
            if everything:
                full.append(_scope_condition(scope))
            else:
                restricted.append(_scope_condition(scope) & _in_fields(request.query, fields))
        if not full and not restricted:
            return SearchEntry.objects.none().alias(score=Value(0.0))
        matched = Q(pk__in=[])
        in_full = reduce(or_, full) if full else None
        if in_full is not None:
            matched |= in_full & full_text
        for condition in restricted:
            matched |= condition
        score = Case(When(in_full, then=rank), default=Value(0.0)) if in_full else Value(0.0)
        return (
            SearchEntry.objects.filter(matched & _filters(request.filters))
            .alias(score=score)
            .order_by()
        )

    def search(self, request: SearchRequest) -> SearchResult:
        result = self._search(request, self._matching(request))
        if result.total == 0:
            # Nothing: maybe a typo (PostgreSQL with pg_trgm).
            typos = _typos(request.query)
            if typos is not None:
                return self._search(request, self._matching(request, typos=typos))
        return result

    def _search(self, request: SearchRequest, entries) -> SearchResult:
        labels = _labels(request)
        # Both facets (and the total) from one count per type and organization.
        types: dict[str, int] = {}
        organizations: dict[int | None, int] = {}
        for row in entries.values("content_type", "organization_id").annotate(n=Count("id")):
            label = labels[row["content_type"]]
            types[label] = types.get(label, 0) + row["n"]
            organization = row["organization_id"]
            organizations[organization] = organizations.get(organization, 0) + row["n"]
        page = entries.annotate(hit_score=F("score")).order_by("-hit_score", "-id")
        hits = _hits(page[request.offset : request.offset + request.limit], labels)
        return SearchResult(hits, sum(types.values()), types, organizations)

    def autocomplete(self, request: SearchRequest) -> list[Hit]:
        best = (
            self._matching(request, autocomplete=True)
            .annotate(hit_score=F("score"), length=Length("title"))
            .order_by("-hit_score", "length", "-id")
        )
        return _hits(best[: request.limit], _labels(request))

    # Writing ---------------------------------------------------------------------------

    def index(self, declaration: SearchDeclaration, documents: list[IndexDocument]) -> None:
        if not documents:
            return
        content_type_id = _content_type_id(declaration.model)
        if _postgres():
            self._upsert_with_vectors(declaration, content_type_id, documents)
            return
        SearchEntry.objects.bulk_create(
            [
                SearchEntry(
                    content_type_id=content_type_id,
                    object_id=document.object_id,
                    organization_id=document.organization_id,
                    title=document.title,
                    fields=document.fields,
                    tags=_tags(document),
                    status=document.status,
                    created_at=document.created_at,
                )
                for document in documents
            ],
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["organization_id", "title", "fields", "tags", "status", "created_at"],
        )
        if connection.vendor == "sqlite":
            self._write_fts(declaration, content_type_id, documents)

    def _upsert_with_vectors(self, declaration, content_type_id, documents) -> None:
        """PostgreSQL: the batch's entries in one INSERT ... ON CONFLICT UPDATE, their
        weighted vectors computed in it (each row written once)."""
        rows = [
            {
                "object_id": document.object_id,
                "organization_id": document.organization_id,
                "title": document.title,
                "fields": document.fields,
                "tags": _tags(document),
                "status": document.status,
                "created_at": document.created_at.isoformat() if document.created_at else None,
                **{
                    weight.lower(): document.text_of_weight(declaration, weight)
                    for weight in WEIGHTS
                },
            }
            for document in documents
        ]
        with connection.cursor() as cursor:
            cursor.execute(UPSERT, [content_type_id, json.dumps(rows)])

    def _write_fts(self, declaration, content_type_id, documents) -> None:
        ids = dict(
            SearchEntry.objects.filter(
                content_type_id=content_type_id,
                object_id__in=[document.object_id for document in documents],
            ).values_list("object_id", "id")
        )
        rows = [
            (ids[document.object_id], *(document.text_of_weight(declaration, w) for w in WEIGHTS))
            for document in documents
        ]
        with connection.cursor() as cursor:
            cursor.executemany(FTS_DELETE, [(row[0],) for row in rows])
            cursor.executemany(FTS_INSERT, rows)

    def remove(self, declaration: SearchDeclaration, object_ids: list[int]) -> None:
        entries = SearchEntry.objects.filter(
            content_type_id=_content_type_id(declaration.model), object_id__in=list(object_ids)
        )
        self._delete(entries)

    def _delete(self, entries) -> None:
        if connection.vendor == "sqlite":
            ids = [(pk,) for pk in entries.values_list("id", flat=True)]
            with connection.cursor() as cursor:
                cursor.executemany(FTS_DELETE, ids)
        entries.delete()

    def rebuild(self, declaration: SearchDeclaration, batches) -> int:
        # One transaction: searches read the old entries until it commits.
        indexed = 0
        with transaction.atomic():
            self._delete(
                SearchEntry.objects.filter(content_type_id=_content_type_id(declaration.model))
            )
            for documents in batches:
                self.index(declaration, documents)
                indexed += len(documents)
        return indexed

    def count(self, declaration: SearchDeclaration) -> int:
        return SearchEntry.objects.filter(
            content_type_id=_content_type_id(declaration.model)
        ).count()

    def ping(self) -> None:
        SearchEntry.objects.exists()
