"""A stand-in Elasticsearch on loopback, for the search tests of the Elasticsearch backend
(no Elasticsearch runs on the machines the tests run on).

It answers the endpoints the backend uses as Elasticsearch 8 does (`PUT`/`DELETE`
an index, `GET /_alias/<alias>`, `POST /_aliases`, `POST /_bulk`, `POST /<indexes>/_search`,
`GET /<index>/_count`, `POST /<index>/_refresh`), keeps the documents in memory, and
evaluates the query DSL the backend sends: `bool` (`must`, `filter`, `should` with
`minimum_should_match`, `must_not`), `term`, `terms`, `range`, `match`, `multi_match`
(`phrase_prefix`, `phrase`, best fields with `fuzziness: AUTO`), `match_all`,
`match_none`, `terms` aggregations, `sort` by score then a field, `from`/`size`. Scores
are the sum of the matching clauses' field boosts: enough to rank a name match above a
description match, not BM25.

It checks what it receives: every request is recorded (`requests`), an index's mapping
must be the backend's, a document must fit it (`dynamic: strict`), and an unknown query
clause is a 400 as Elasticsearch would answer. `down = True` makes it answer 503, and
`failures = n` the next n requests.
"""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class QueryError(ValueError):
    pass


def _tokens(text) -> list[str]:
    if text is None:
        return []
    return str(text).lower().split()


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _auto_fuzziness(term: str) -> int:
    return 0 if len(term) <= 2 else 1 if len(term) <= 5 else 2


@dataclass
class Index:
    mappings: dict
    settings: dict
    documents: dict = field(default_factory=dict)

    def analyzer(self, path: str) -> str:
        properties = self.mappings["properties"]
        spec = properties.get(path)
        if spec is None and path.startswith("fields."):
            return "words"
        return (spec or {}).get("analyzer", "keyword")


def _value(document: dict, path: str):
    value = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Evaluator:
    """The score of a document for a query (None: it does not match)."""

    def __init__(self, index: Index, max_terms: int = 65_536):
        self.index = index
        self.max_terms = max_terms  # index.max_terms_count

    def score(self, query: dict, document: dict) -> float | None:
        if len(query) != 1:
            raise QueryError(f"a query clause has one key: {list(query)}")
        ((kind, spec),) = query.items()
        method = getattr(self, f"_{kind}", None)
        if method is None:
            raise QueryError(f"unknown query [{kind}]")
        return method(spec, document)

    def _match_all(self, spec, document):
        return 1.0

    def _match_none(self, spec, document):
        return None

    def _bool(self, spec, document):
        unknown = set(spec) - {"must", "filter", "should", "must_not", "minimum_should_match"}
        if unknown:
            raise QueryError(f"unknown bool keys {unknown}")
        total = 0.0
        for clause in _as_list(spec.get("filter")):
            if self.score(clause, document) is None:
                return None
        for clause in _as_list(spec.get("must_not")):
            if self.score(clause, document) is not None:
                return None
        for clause in _as_list(spec.get("must")):
            found = self.score(clause, document)
            if found is None:
                return None
            total += found
        should = _as_list(spec.get("should"))
        if should:
            scores = [self.score(clause, document) for clause in should]
            matched = [each for each in scores if each is not None]
            default = 0 if (spec.get("must") or spec.get("filter")) else 1
            if len(matched) < int(spec.get("minimum_should_match", default)):
                return None
            total += sum(matched)
        return total

    def _term(self, spec, document):
        ((path, expected),) = spec.items()
        if isinstance(expected, dict):
            expected = expected["value"]
        return 0.0 if expected in _as_list(_value(document, path)) else None

    def _terms(self, spec, document):
        ((path, expected),) = spec.items()
        if not isinstance(expected, list):
            raise QueryError("[terms] takes a list")
        values = _as_list(_value(document, path))
        return 0.0 if any(value in expected for value in values) else None

    def _range(self, spec, document):
        ((path, bounds),) = spec.items()
        value = _value(document, path)
        if value is None:
            return None
        checks = {
            "gte": lambda a, b: a >= b,
            "gt": lambda a, b: a > b,
            "lte": lambda a, b: a <= b,
            "lt": lambda a, b: a < b,
        }
        for name, bound in bounds.items():
            if not checks[name](str(value), str(bound)):
                return None
        return 0.0

    def _field_score(self, path, query_text, kind, fuzziness, boost):
        words = _tokens(_value(self.document, path))
        terms = _tokens(query_text)
        if not terms or not words:
            return None
        prefixes = self.index.analyzer(path) == "prefixes"
        if kind == "phrase_prefix" or kind == "phrase":
            for start in range(len(words) - len(terms) + 1):
                window = words[start : start + len(terms)]
                same = all(a == b for a, b in zip(window[:-1], terms[:-1], strict=True))
                last = (
                    window[-1].startswith(terms[-1])
                    if kind == "phrase_prefix"
                    else window[-1] == terms[-1]
                )
                if same and last:
                    return float(boost)
            return None
        # best_fields: every term (operator "or": any term) matches a word.
        matched = 0
        for term in terms:
            for word in words:
                if (prefixes and word.startswith(term)) or word == term:
                    matched += 1
                    break
                if fuzziness and _distance(term, word) <= _auto_fuzziness(term):
                    matched += 0.5
                    break
        return float(boost) * matched if matched else None

    def _multi_match(self, spec, document):
        unknown = set(spec) - {"query", "type", "fields", "fuzziness", "prefix_length"}
        if unknown:
            raise QueryError(f"unknown multi_match keys {unknown}")
        kind = spec.get("type", "best_fields")
        if kind not in ("best_fields", "phrase", "phrase_prefix"):
            raise QueryError(f"unsupported multi_match type {kind}")
        self.document = document
        scores = []
        for name in spec["fields"]:
            path, _, boost = name.partition("^")
            found = self._field_score(path, spec["query"], kind, spec.get("fuzziness"), boost or 1)
            if found is not None:
                scores.append(found)
        return max(scores) if scores else None

    def _match(self, spec, document):
        ((path, options),) = spec.items()
        text = options["query"] if isinstance(options, dict) else options
        self.document = document
        return self._field_score(path, text, "best_fields", None, 1)


class Cluster:
    def __init__(self):
        self.reset()

    def reset(self):
        self.indexes: dict[str, Index] = {}
        self.aliases: dict[str, set[str]] = {}
        self.requests: list[dict] = []  # method, path, body, authorization
        self.down = False
        self.max_terms = 65_536  # index.max_terms_count
        self.failures = 0  # the next requests answered 503, one fewer each time

    def resolve(self, names: str, ignore_unavailable=False) -> list[str]:
        found = []
        for name in names.split(","):
            if name in self.indexes:
                found.append(name)
            elif name in self.aliases:
                found += sorted(self.aliases[name])
            elif not ignore_unavailable:
                raise KeyError(name)
        return found

    # The endpoints ----------------------------------------------------------------------

    def create(self, name, body):
        if name in self.indexes or name in self.aliases:
            return 400, {"error": {"type": "resource_already_exists_exception"}, "status": 400}
        if set(body) != {"settings", "mappings"} or body["mappings"].get("dynamic") != "strict":
            return 400, {"error": {"type": "mapper_parsing_exception"}, "status": 400}
        self.indexes[name] = Index(body["mappings"], body["settings"])
        return 200, {"acknowledged": True, "index": name}

    def delete(self, name):
        if name not in self.indexes:
            return 404, {"error": {"type": "index_not_found_exception"}, "status": 404}
        del self.indexes[name]
        for members in self.aliases.values():
            members.discard(name)
        return 200, {"acknowledged": True}

    def get_alias(self, alias):
        if not self.aliases.get(alias):
            return 404, {"error": f"alias [{alias}] missing", "status": 404}
        return 200, {name: {"aliases": {alias: {}}} for name in sorted(self.aliases[alias])}

    def update_aliases(self, body):
        for action in body["actions"]:
            ((kind, spec),) = action.items()
            if spec["index"] not in self.indexes:
                return 404, {"error": {"type": "index_not_found_exception"}, "status": 404}
            members = self.aliases.setdefault(spec["alias"], set())
            if kind == "add":
                members.add(spec["index"])
            elif kind == "remove":
                members.discard(spec["index"])
        return 200, {"acknowledged": True}

    def _check_document(self, index: Index, source: dict):
        allowed = set(index.mappings["properties"])
        extra = set(source) - allowed
        if extra:
            raise QueryError(f"strict mapping: {sorted(extra)}")
        if not isinstance(source.get("fields", {}), dict):
            raise QueryError("fields is an object")

    def bulk(self, lines):
        items, errors = [], False
        pending = iter(lines)
        for action in pending:
            ((kind, meta),) = action.items()
            names = self.resolve(meta["_index"], ignore_unavailable=True)
            if len(names) != 1:
                items.append({kind: {"status": 404, "error": {"type": "index_not_found"}}})
                errors = True
                if kind == "index":
                    next(pending)
                continue
            index = self.indexes[names[0]]
            if kind == "index":
                source = next(pending)
                try:
                    self._check_document(index, source)
                except QueryError as exc:
                    items.append({kind: {"status": 400, "error": {"reason": str(exc)}}})
                    errors = True
                    continue
                index.documents[meta["_id"]] = source
                items.append({kind: {"_id": meta["_id"], "status": 201}})
            elif kind == "delete":
                status = 200 if index.documents.pop(meta["_id"], None) is not None else 404
                errors = errors or status == 404
                items.append({kind: {"_id": meta["_id"], "status": status}})
            else:
                raise QueryError(f"unknown bulk action {kind}")
        return 200, {"errors": errors, "items": items}

    def search(self, names, body, ignore_unavailable):
        try:
            indexes = [self.indexes[name] for name in self.resolve(names, ignore_unavailable)]
        except KeyError as exc:
            return 404, {"error": {"type": "index_not_found_exception", "index": str(exc)}}
        known = {"query", "sort", "_source", "from", "size", "track_total_hits", "aggs"}
        unknown = set(body) - known
        if unknown:
            return 400, {"error": {"type": "parsing_exception", "reason": f"unknown {unknown}"}}
        matched = []
        try:
            for index in indexes:
                evaluator = Evaluator(index, self.max_terms)
                for doc_id, source in index.documents.items():
                    score = evaluator.score(body.get("query", {"match_all": {}}), source)
                    if score is not None:
                        matched.append((score, doc_id, source))
        except QueryError as exc:
            return 400, {"error": {"type": "parsing_exception", "reason": str(exc)}}
        tie = "object_id"
        for key in body.get("sort", []):
            ((name, _direction),) = key.items()
            if name != "_score":
                tie = name
        matched.sort(key=lambda item: (-item[0], -(_value(item[2], tie) or 0)))
        start = body.get("from", 0)
        page = matched[start : start + body.get("size", 10)]
        answer = {
            "took": 1,
            "timed_out": False,
            "hits": {
                "total": {"value": len(matched), "relation": "eq"},
                "max_score": matched[0][0] if matched else None,
                "hits": [
                    {"_index": names, "_id": doc_id, "_score": score, "_source": source}
                    for score, doc_id, source in page
                ],
            },
        }
        if "aggs" in body:
            answer["aggregations"] = {}
            for name, spec in body["aggs"].items():
                terms = spec["terms"]
                counts: dict = {}
                for _score, _id, source in matched:
                    values = _as_list(_value(source, terms["field"]))
                    if not values and "missing" in terms:
                        values = [terms["missing"]]
                    for value in values:
                        counts[value] = counts.get(value, 0) + 1
                buckets = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
                answer["aggregations"][name] = {
                    "buckets": [
                        {"key": key, "doc_count": count} for key, count in buckets[: terms["size"]]
                    ]
                }
        return 200, answer

    def count(self, name):
        try:
            names = self.resolve(name)
        except KeyError:
            return 404, {"error": {"type": "index_not_found_exception"}, "status": 404}
        return 200, {"count": sum(len(self.indexes[each].documents) for each in names)}


def _handler(cluster: Cluster):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if self.headers.get("Content-Type", "").startswith("application/x-ndjson"):
                return [json.loads(line) for line in raw.splitlines() if line.strip()]
            return json.loads(raw) if raw else None

        def _route(self, method):
            path, _, query = self.path.partition("?")
            body = self._body()
            cluster.requests.append(
                {
                    "method": method,
                    "path": self.path,
                    "body": body,
                    "authorization": self.headers.get("Authorization"),
                }
            )
            if cluster.down or cluster.failures > 0:
                cluster.failures = max(0, cluster.failures - 1)
                return self._answer(503, {"error": "unavailable", "status": 503})
            parts = [part for part in path.split("/") if part]
            try:
                status, answer = self._dispatch(method, parts, query, body)
            except QueryError as exc:
                status, answer = 400, {"error": {"reason": str(exc)}, "status": 400}
            return self._answer(status, answer)

        def _dispatch(self, method, parts, query, body):
            if parts == ["_cluster", "health"] and method == "GET":
                return 200, {"cluster_name": "stand-in", "status": "green"}
            if parts == ["_bulk"] and method == "POST":
                return cluster.bulk(body)
            if parts == ["_aliases"] and method == "POST":
                return cluster.update_aliases(body)
            if len(parts) == 2 and parts[0] == "_alias" and method == "GET":
                return cluster.get_alias(parts[1])
            if len(parts) == 1 and method == "PUT":
                return cluster.create(parts[0], body)
            if len(parts) == 1 and method == "DELETE":
                return cluster.delete(parts[0])
            if len(parts) == 2 and parts[1] == "_search" and method == "POST":
                return cluster.search(parts[0], body, "ignore_unavailable=true" in query)
            if len(parts) == 2 and parts[1] == "_count":
                return cluster.count(parts[0])
            if len(parts) == 2 and parts[1] == "_refresh" and method == "POST":
                return (200, {}) if parts[0] in cluster.indexes else (404, {})
            return 400, {"error": f"no handler for {method} /{'/'.join(parts)}", "status": 400}

        def do_GET(self):
            self._route("GET")

        def do_POST(self):
            self._route("POST")

        def do_PUT(self):
            self._route("PUT")

        def do_DELETE(self):
            self._route("DELETE")

    return Handler


@pytest.fixture(scope="session")
def elasticsearch_server() -> Iterator[tuple[str, Cluster]]:
    cluster = Cluster()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cluster))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://elastic:secret@127.0.0.1:{server.server_address[1]}", cluster
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elasticsearch(elasticsearch_server, settings):
    """The search on the stand-in Elasticsearch for this test: the cluster, emptied."""
    from search.backends import get_backend

    url, cluster = elasticsearch_server
    cluster.reset()
    settings.ELASTICSEARCH_URL = url
    settings.SEARCH_BACKEND = "search.backends.elasticsearch.ElasticsearchBackend"
    get_backend.cache_clear()
    yield cluster
    get_backend.cache_clear()
