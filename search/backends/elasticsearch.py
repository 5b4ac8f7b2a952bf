"""The Elasticsearch (or OpenSearch) backend, when ELASTICSEARCH_URL is set.

One index per searchable model, reached by an alias (`<ELASTICSEARCH_INDEX>-<app>-<model>`)
so that a rebuild fills a new index and swaps the alias at once (the old one serves
searches until then, and is deleted after). A search asks every type's alias in one
request: each type's branch filters on its type and the caller's organizations (and on
the record ids a model's restrict_visible leaves, for meetings), and matches only the
fields the caller may read there; the counts per type and per organization are
aggregations of the same query.

Texts arrive normalized (search.text): the analyzers only split on spaces, lower case
and fold what normalization left; `suggest` holds the "A" fields as edge n-grams for
autocomplete. Query words match a word or the start of one (`phrase_prefix`), or a word
a typo or two away (`fuzziness: AUTO`); phrases match word after word.

It speaks the REST API shared by Elasticsearch 7 to 9 and OpenSearch 1 to 3 directly
(urllib3), a handful of endpoints: `_bulk`, `_search`, `_count`, `_aliases`, index
creation and deletion (docs/decisions.md). An engine that cannot be reached, or answers
5xx or 429, raises SearchUnavailable: a 503 to searches, a retry to indexing.
"""

import base64
import json
import logging
import time
from urllib.parse import urlsplit, urlunsplit

import urllib3
from django.conf import settings

from core.searching import SearchDeclaration

from ..text import Query
from .base import Hit, SearchBackend, SearchRequest, SearchResult, SearchUnavailable

logger = logging.getLogger(__name__)

BOOSTS = {"A": 10, "B": 4, "C": 2, "D": 1}
# Shared records (no organization) are counted under this organization id.
NO_ORGANIZATION = 0

INDEX_BODY = {
    "settings": {
        "analysis": {
            "filter": {"edges": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20}},
            "analyzer": {
                "words": {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["lowercase", "asciifolding"],
                },
                "prefixes": {
                    "type": "custom",
                    "tokenizer": "whitespace",
                    "filter": ["lowercase", "asciifolding", "edges"],
                },
            },
        }
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "type": {"type": "keyword"},
            "object_id": {"type": "long"},
            "organization_id": {"type": "long"},
            "title": {"type": "text", "analyzer": "words"},
            "suggest": {"type": "text", "analyzer": "prefixes", "search_analyzer": "words"},
            "fields": {
                "type": "object",
                "dynamic": True,
            },
            "tags": {"type": "keyword"},
            "status": {"type": "keyword"},
            "created_at": {"type": "date"},
        },
        "dynamic_templates": [
            {
                "field_texts": {
                    "path_match": "fields.*",
                    "match_mapping_type": "string",
                    "mapping": {"type": "text", "analyzer": "words"},
                }
            }
        ],
    },
}


# The most values of one `terms` query (Elasticsearch's index.max_terms_count default).
MAX_TERMS = 65_536


def _among(ids: list) -> dict:
    """The condition "object_id is one of `ids`": one `terms` query, or several ORed for
    more ids than one may hold."""
    if len(ids) <= MAX_TERMS:
        return {"terms": {"object_id": ids}}
    chunks = [ids[start : start + MAX_TERMS] for start in range(0, len(ids), MAX_TERMS)]
    return {
        "bool": {
            "should": [{"terms": {"object_id": chunk}} for chunk in chunks],
            "minimum_should_match": 1,
        }
    }


class SearchEngineError(RuntimeError):
    """The engine refused a request (4xx): a defect here, not a passing outage."""


class ElasticsearchBackend(SearchBackend):
    def __init__(self, url: str | None = None, prefix: str | None = None):
        parts = urlsplit(url or settings.ELASTICSEARCH_URL)
        self.base = urlunsplit(
            (parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""), "", "", "")
        ).rstrip("/") + parts.path.rstrip("/")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username:
            credentials = f"{parts.username}:{parts.password or ''}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        self.prefix = prefix or settings.ELASTICSEARCH_INDEX
        self.http = urllib3.PoolManager(
            timeout=urllib3.Timeout(total=settings.ELASTICSEARCH_TIMEOUT), retries=False
        )
        self._ready: set[str] = set()

    # HTTP ------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, body=None, *, missing_ok=False, exists_ok=False, ndjson=None
    ):
        headers = dict(self.headers)
        if ndjson is not None:
            data = "".join(json.dumps(line) + "\n" for line in ndjson).encode()
            headers["Content-Type"] = "application/x-ndjson"
        else:
            data = None if body is None else json.dumps(body).encode()
        try:
            response = self.http.request(method, self.base + path, body=data, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            logger.warning("Search engine unreachable (%s %s): %s", method, path, exc)
            raise SearchUnavailable() from exc
        if response.status >= 500 or response.status == 429:
            logger.warning("Search engine answered %s to %s %s", response.status, method, path)
            raise SearchUnavailable()
        if response.status == 404 and missing_ok:
            return None
        if response.status == 400 and exists_ok and b"resource_already_exists" in response.data:
            return None
        if response.status >= 400:
            raise SearchEngineError(
                f"{method} {path}: {response.status} {response.data[:500].decode(errors='replace')}"
            )
        return json.loads(response.data) if response.data else {}

    # Indexes ---------------------------------------------------------------------------

    def alias(self, declaration: SearchDeclaration) -> str:
        meta = declaration.model._meta
        return f"{self.prefix}-{meta.app_label}-{meta.model_name}"

    def _create_index(self, alias: str, suffix: str | None = None) -> str:
        name = f"{alias}-{suffix or time.time_ns()}"
        self._call("PUT", f"/{name}", INDEX_BODY, exists_ok=True)
        return name

    def _ensure(self, declaration: SearchDeclaration) -> str:
        """The model's alias, its index created on first use (by whichever process
        comes first: the same name, created once)."""
        alias = self.alias(declaration)
        if alias in self._ready:
            return alias
        if self._call("GET", f"/_alias/{alias}", missing_ok=True) is None:
            name = self._create_index(alias, "initial")
            self._call("POST", "/_aliases", {"actions": [{"add": {"index": name, "alias": alias}}]})
        self._ready.add(alias)
        return alias

    # Writing ---------------------------------------------------------------------------

    def _source(self, declaration, document) -> dict:
        return {
            "type": declaration.label,
            "object_id": document.object_id,
            "organization_id": document.organization_id,
            "title": document.title,
            "suggest": document.text_of_weight(declaration, "A"),
            "fields": document.fields,
            "tags": list(document.tags),
            "status": document.status,
            "created_at": document.created_at.isoformat() if document.created_at else None,
        }

    def _bulk(self, lines: list) -> None:
        if not lines:
            return
        answer = self._call("POST", "/_bulk", ndjson=lines)
        if answer.get("errors"):
            failed = [
                item
                for item in answer.get("items", [])
                for action in item.values()
                if action.get("status", 200) >= 300 and action.get("status") != 404
            ]
            if failed:
                raise SearchEngineError(f"bulk refused: {json.dumps(failed[:3])[:1000]}")

    def _index_into(self, index: str, declaration, documents) -> None:
        lines = []
        for document in documents:
            lines.append({"index": {"_index": index, "_id": str(document.object_id)}})
            lines.append(self._source(declaration, document))
        self._bulk(lines)

    def index(self, declaration: SearchDeclaration, documents: list) -> None:
        if documents:
            self._index_into(self._ensure(declaration), declaration, documents)

    def remove(self, declaration: SearchDeclaration, object_ids: list[int]) -> None:
        alias = self._ensure(declaration)
        self._bulk([{"delete": {"_index": alias, "_id": str(pk)}} for pk in object_ids])

    def rebuild(self, declaration: SearchDeclaration, batches) -> int:
        alias = self.alias(declaration)
        new = self._create_index(alias)
        indexed = 0
        try:
            for documents in batches:
                self._index_into(new, declaration, documents)
                indexed += len(documents)
            self._call("POST", f"/{new}/_refresh")
        except Exception:
            self._call("DELETE", f"/{new}", missing_ok=True)
            raise
        current = self._call("GET", f"/_alias/{alias}", missing_ok=True) or {}
        actions = [{"add": {"index": new, "alias": alias}}]
        actions += [{"remove": {"index": old, "alias": alias}} for old in current]
        self._call("POST", "/_aliases", {"actions": actions})
        for old in current:
            self._call("DELETE", f"/{old}", missing_ok=True)
        self._ready.add(alias)
        return indexed

    def count(self, declaration: SearchDeclaration) -> int:
        answer = self._call("GET", f"/{self.alias(declaration)}/_count", missing_ok=True)
        return 0 if answer is None else answer["count"]

    def ping(self) -> None:
        """The cluster answers and is not red (a red cluster has shards no node holds)."""
        health = self._call("GET", "/_cluster/health")
        if health.get("status") not in ("green", "yellow"):
            raise SearchUnavailable()

    # Searching -------------------------------------------------------------------------

    @staticmethod
    def _matching(query: Query, declaration, fields, autocomplete: bool) -> dict:
        if autocomplete and set(fields) == set(declaration.fields_of_weight("A")):
            clauses = [{"match": {"suggest": {"query": term}}} for term in query.words]
            return {"bool": {"must": clauses}}
        boosted = [f"fields.{name}^{BOOSTS[declaration.fields[name]]}" for name in fields]
        if not boosted:
            return {"match_none": {}}
        clauses = []
        for term in query.terms:
            alternatives = [
                {"multi_match": {"query": term, "type": "phrase_prefix", "fields": boosted}}
            ]
            if not autocomplete:
                alternatives.append(
                    {
                        "multi_match": {
                            "query": term,
                            "fields": boosted,
                            "fuzziness": "AUTO",
                            "prefix_length": 1,
                        }
                    }
                )
            clauses.append({"bool": {"should": alternatives, "minimum_should_match": 1}})
        for phrase in query.phrases:
            clauses.append(
                {"multi_match": {"query": " ".join(phrase), "type": "phrase", "fields": boosted}}
            )
        return {"bool": {"must": clauses}}

    def _body(self, request: SearchRequest, autocomplete: bool) -> tuple[list[str], dict]:
        branches, aliases = [], []
        for scope in request.scopes:
            declaration = scope.declaration
            fields = list(scope.fields)
            if autocomplete:
                fields = [name for name in fields if declaration.fields[name] == "A"]
            where = [{"term": {"type": declaration.label}}]
            if scope.organizations is not None:
                where.append({"terms": {"organization_id": sorted(scope.organizations)}})
            if scope.records is not None:
                where.append(_among(list(scope.records.values_list("pk", flat=True))))
            branches.append(
                {
                    "bool": {
                        "filter": where,
                        "must": [self._matching(request.query, declaration, fields, autocomplete)],
                    }
                }
            )
            alias = self.alias(declaration)
            if alias not in aliases:
                aliases.append(alias)
        filters = []
        chosen = request.filters
        if chosen.organization is not None:
            filters.append({"term": {"organization_id": chosen.organization}})
        for tag in chosen.tags:
            filters.append({"term": {"tags": tag}})
        if chosen.status:
            filters.append({"term": {"status": chosen.status}})
        dates = {}
        if chosen.created_after is not None:
            dates["gte"] = chosen.created_after.isoformat()
        if chosen.created_before is not None:
            dates["lt"] = chosen.created_before.isoformat()
        if dates:
            filters.append({"range": {"created_at": dates}})
        body = {
            "query": {"bool": {"filter": filters, "should": branches, "minimum_should_match": 1}},
            "sort": [{"_score": "desc"}, {"object_id": "desc"}],
            "_source": ["type", "object_id", "organization_id"],
        }
        return aliases, body

    def _search(self, aliases: list[str], body: dict) -> dict:
        return self._call(
            "POST",
            f"/{','.join(aliases)}/_search?ignore_unavailable=true&allow_no_indices=true",
            body,
        )

    @staticmethod
    def _hits(answer: dict) -> list[Hit]:
        return [
            Hit(
                hit["_source"]["type"],
                hit["_source"]["object_id"],
                hit["_source"].get("organization_id"),
                float(f"{hit.get('_score') or 0.0:.6g}"),
            )
            for hit in answer["hits"]["hits"]
        ]

    def search(self, request: SearchRequest) -> SearchResult:
        if not request.scopes:
            return SearchResult([], 0, {}, {})
        aliases, body = self._body(request, autocomplete=False)
        body.update(
            {
                "from": request.offset,
                "size": request.limit,
                "track_total_hits": True,
                "aggs": {
                    "types": {"terms": {"field": "type", "size": 100}},
                    "organizations": {
                        "terms": {
                            "field": "organization_id",
                            "size": 10_000,
                            "missing": NO_ORGANIZATION,
                        }
                    },
                },
            }
        )
        answer = self._search(aliases, body)
        aggregations = answer.get("aggregations", {})
        types = {
            bucket["key"]: bucket["doc_count"]
            for bucket in aggregations.get("types", {}).get("buckets", [])
        }
        organizations = {
            (None if bucket["key"] == NO_ORGANIZATION else int(bucket["key"])): bucket["doc_count"]
            for bucket in aggregations.get("organizations", {}).get("buckets", [])
        }
        total = answer["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else total
        return SearchResult(self._hits(answer), total, types, organizations)

    def autocomplete(self, request: SearchRequest) -> list[Hit]:
        if not request.scopes:
            return []
        aliases, body = self._body(request, autocomplete=True)
        body["size"] = request.limit
        return self._hits(self._search(aliases, body))
