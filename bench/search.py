"""The search API on many records, against the `icontains` filter the lists search with.

Searches go through the API: GET /api/v1/search/ and /api/v1/search/autocomplete/.

The data: --records products (default 1,000,000) in --organizations organizations
(default 100; the records dealt out in turn), written with a plain
`Product.objects.bulk_create` (no audit rows, no tags). Their words come from a fixed
vocabulary drawn by a seeded random generator, so that every organization has the same
ones: a name "<adjective> <noun> <code>" ("Rugged Sprocket Kelomu"), a description of
the same adjective and noun, a material ("carbon fiber"), a use, another noun and the
code again. The code, three syllables of 80, is nearly unique: the rare terms.

Index build: `search.services.rebuild` of the products' declaration, from an empty index
(every record read, normalized and written in batches of SEARCH_BATCH_SIZE, in one
transaction): seconds and records/s; then the size of the index on disk (PostgreSQL:
search_searchentry, its TOAST and its indexes, pg_total_relation_size; SQLite: its
table, indexes and FTS5 tables, from dbstat) beside the products table's.

Queries: as a member ("Organization Member") of one organization, JWT-authenticated,
GET /api/v1/search/?q=...&page_size=25 and /api/v1/search/autocomplete/?q=... for a
common term ("gadget": the name or the description of one record in ten), a rare term
(the code of one of the organization's products), a prefix ("gadg"), two words ("blue
gadget"), a phrase ('"carbon fiber"') and a typo ("gadgte"); and the baseline, what the
lists' `search=` runs: the organization's products with each word (a phrase as one) in
their name, SKU or description (`icontains`), the 25 last by id, evaluated, and their
count. After a warm-up the three are timed in turn, --repeat times per query.

Prints the index build and the sizes, then per query and way: the records found (the
search's count; the autocomplete's suggestions, at most 8), p50 and p95 in ms, the
ratio of the p50 to the baseline's, the SQL queries of one request, and the goal next
to the figures (nothing is asserted): p95 under 50 ms for the term and prefix queries
(common term, rare term, prefix), search and autocomplete. --explain adds, on
PostgreSQL, the plan (EXPLAIN ANALYZE) of the slowest SQL statement of each.

--keep keeps the database for the next run with --keep, which reuses its products when
they are the same numbers (written afresh otherwise): on PostgreSQL the test database
`test_<name>` is not dropped; a SQLite file named by DATABASE_URL is kept in any case.
With --reuse-index as well, the index such a run left is used as it is when it holds as
many entries as there are products: the build is neither run nor timed (on a million
records it takes minutes).

    .venv/bin/python bench/search.py --records 2000 --organizations 5
    DATABASE_URL=postgres://... .venv/bin/python bench/search.py [--records 1000000]
        [--organizations 100] [--repeat 50] [--keep [--reuse-index]] [--explain]
"""

import logging
import os
import random
import shutil
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import common

ARGS = common.start(
    __doc__,
    [
        ("--records", {"type": int, "default": 1_000_000}),
        ("--organizations", {"type": int, "default": 100}),
        ("--repeat", {"type": int, "default": 50, "help": "timed runs per query and way"}),
        ("--keep", {"action": "store_true", "help": "keep the database, reuse its data"}),
        ("--reuse-index", {"action": "store_true", "help": "with --keep: no index build"}),
        ("--explain", {"action": "store_true", "help": "plans of the slowest statements"}),
    ],
)

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext, setup_test_environment
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.common.models import Category, UnitOfMeasure
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.products.models import Product
from core.searching import declaration_of
from rbac.roles import ROLE_NAMES
from search import services
from search.backends import get_backend
from search.models import SearchEntry
from search.text import parse

SEED = 1234
# fmt: off
ADJECTIVES = [
    "Red", "Blue", "Green", "Black", "White", "Silver", "Golden", "Compact", "Heavy", "Light",
    "Smart", "Classic", "Modern", "Rugged", "Portable", "Premium", "Basic", "Deluxe", "Mini",
    "Ultra",
]
NOUNS = [
    "Gadget", "Widget", "Sprocket", "Gizmo", "Bracket", "Valve", "Pump", "Sensor", "Cable",
    "Adapter", "Bearing", "Gear", "Hinge", "Lever", "Module", "Panel", "Switch", "Filter",
    "Nozzle", "Spring",
]
MATERIALS = [
    "stainless steel", "carbon fiber", "cast iron", "recycled plastic", "solid oak",
    "brushed aluminium", "tempered glass", "natural rubber",
]
# fmt: on
USES = ["the workshop", "the kitchen", "outdoor use", "the office", "the garden", "the lab"]
SYLLABLES = [consonant + vowel for consonant in "bcdfghklmnprstvz" for vowel in "aeiou"]

ORGANIZATION_CODE = "SB{:03}"
CATEGORY_SLUG = "search-bench"
MEMBER = "search-member"
BATCH = 5000  # products made and written at a time
PAGE = 25  # the search's page, the baseline's rows
WARM_UP = 3
GOAL_MS = 50  # p95 of the term and prefix queries
SEARCH_URL = "/api/v1/search/"
AUTOCOMPLETE_URL = "/api/v1/search/autocomplete/"
MB = 1024 * 1024

# The index updates of the organizations created (Celery tasks, eager) say nothing here.
logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
logging.getLogger("kombu.connection").setLevel(logging.ERROR)


# The data ----------------------------------------------------------------------------------


@contextmanager
def database():
    """common.database(), or with --keep on PostgreSQL its test database kept for the next
    run (created when missing, migrated)."""
    if not (ARGS.keep and connection.vendor == "postgresql"):
        with common.database() as name:
            yield name
        return
    setup_test_environment()
    yield connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)


def organizations() -> list[int]:
    """The ids of the benchmark's organizations (created when missing)."""
    ids = []
    for i in range(ARGS.organizations):
        organization, _ = Organization.objects.get_or_create(
            code=ORGANIZATION_CODE.format(i),
            defaults={"name": f"Search bench {i:03}", "organization_type_id": "Company"},
        )
        ids.append(organization.pk)
    return ids


def expected_counts(organization_ids: list[int]) -> dict[int, int]:
    """{organization id: its products} of the data this run asks for."""
    share, rest = divmod(ARGS.records, len(organization_ids))
    counts = {pk: share + (i < rest) for i, pk in enumerate(organization_ids)}
    return {pk: count for pk, count in counts.items() if count}


def products(organization_ids: list[int], category_id: int, unit_id: int):
    """Every product, unsaved, in the order written (the same on every run)."""
    rng = random.Random(SEED)
    for n in range(ARGS.records):
        adjective, noun, other = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS)
        code = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        material, use = rng.choice(MATERIALS), rng.choice(USES)
        yield Product(
            organization_id=organization_ids[n % len(organization_ids)],
            name=f"{adjective} {noun} {code}",
            sku=f"SB-{n:07d}",
            description=(
                f"A {adjective.lower()} {noun.lower()} of {material} for {use}, "
                f"fits any {other.lower()}. Model {code}."
            ),
            category_id=category_id,
            base_uom_id=unit_id,
        )


def in_batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_products(organization_ids: list[int]) -> float | None:
    """The products written (seconds), or None when the database holds them already."""
    found = dict(Product.objects.order_by().values_list("organization_id").annotate(n=Count("id")))
    if found == expected_counts(organization_ids):
        return None
    if found:
        Product.objects.all()._raw_delete(connection.alias)  # another run's numbers
    category, _ = Category.objects.get_or_create(
        slug=CATEGORY_SLUG, defaults={"name": "Search bench", "category_type": "PRODUCT"}
    )
    unit = UnitOfMeasure.objects.get(code="EA")
    start = time.perf_counter()
    for batch in in_batches(products(organization_ids, category.pk, unit.pk), BATCH):
        Product.objects.bulk_create(batch, batch_size=1000)
    seconds = time.perf_counter() - start
    vacuum()
    return seconds


def vacuum() -> None:
    """Statistics of the tables just filled (and their dead rows gone), as autovacuum keeps
    them on a live server."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def member_client(organization_id: int) -> APIClient:
    """A client with the JWT of a member ("Organization Member") of that organization."""
    User = get_user_model()
    user = User.objects.filter(username=MEMBER).first()
    if user is None:
        user = User.objects.create_user(MEMBER)
        OrganizationMembership.objects.create(
            user=user,
            organization_id=organization_id,
            role=Group.objects.get(name=ROLE_NAMES["member"]),
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


# The index -----------------------------------------------------------------------------------


def build_index() -> tuple[int, float] | None:
    """(records indexed, seconds) of a rebuild of the products' index, from none (a kept
    database's entries are removed first, untimed: a rebuild with no records); None when
    the kept index is reused (--reuse-index)."""
    declaration, backend = declaration_of(Product), get_backend()
    indexed = backend.count(declaration)
    if ARGS.keep and ARGS.reuse_index and indexed == ARGS.records:
        return None
    if indexed:
        backend.rebuild(declaration, [])
        vacuum()
    start = time.perf_counter()
    indexed = services.rebuild(declaration)
    seconds = time.perf_counter() - start
    vacuum()
    return indexed, seconds


def sizes() -> list[tuple[str, int]]:
    """(relation, bytes): the index with each of its parts, and the products table."""
    index, table = SearchEntry._meta.db_table, Product._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size(%s::regclass), pg_table_size(%s::regclass), "
                "pg_total_relation_size(%s::regclass), pg_table_size(%s::regclass)",
                [index, index, table, table],
            )
            total, heap, products, products_heap = cursor.fetchone()
            cursor.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass ORDER BY 2 DESC",
                [index],
            )
            parts = [("table, with its TOAST", heap), *cursor.fetchall()]
            products_parts = [("table, with its TOAST", products_heap)]
        else:
            try:
                cursor.execute(
                    "SELECT d.name, SUM(d.pgsize) FROM dbstat d "
                    "JOIN sqlite_master m ON m.name = d.name "
                    "WHERE m.tbl_name LIKE %s GROUP BY d.name ORDER BY 2 DESC",
                    [f"{index}%"],
                )
                parts = cursor.fetchall()
                cursor.execute(
                    "SELECT SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                    "WHERE m.tbl_name = %s",
                    [table],
                )
                products = cursor.fetchone()[0]
                cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = %s", [table])
                products_parts = [("table", cursor.fetchone()[0])]
            except DatabaseError:  # SQLite built without dbstat
                return []
            total = sum(size for _name, size in parts)
    return [
        (f"{index} (total)", total),
        *((f"  {name}", size) for name, size in parts),
        (f"{table} (total)", products),
        *((f"  {name}", size) for name, size in products_parts),
        ("  indexes", products - products_parts[0][1]),
    ]


# The queries ---------------------------------------------------------------------------------


def icontains(organization_id: int, terms: list[str]) -> int:
    """What the lists' `search=` runs: the page of the 25 last, evaluated, and the count."""
    found = Product.objects.filter(organization_id=organization_id)
    for term in terms:
        found = found.filter(
            Q(name__icontains=term) | Q(sku__icontains=term) | Q(description__icontains=term)
        )
    list(found.order_by("-id")[:PAGE])
    return found.count()


def ways(client, organization_id: int, q: str) -> dict:
    """{way: a call answering the records it found} for query `q`."""
    parsed = parse(q)
    terms = [*parsed.terms, *(" ".join(phrase) for phrase in parsed.phrases)]

    def get(url, **params):
        response = client.get(url, {"q": q, **params})
        assert response.status_code == 200, (url, q, response.content[:500])
        return response.data

    return {
        "search": lambda: get(SEARCH_URL, page_size=PAGE)["count"],
        "autocomplete": lambda: len(get(AUTOCOMPLETE_URL)["results"]),
        "icontains": lambda: icontains(organization_id, terms),
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) in ms of samples in seconds."""
    if len(samples) < 2:
        return samples[0] * 1000, samples[0] * 1000
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return statistics.median(samples) * 1000, p95 * 1000


def measure(calls: dict) -> dict:
    """{way: (records found, p50 ms, p95 ms, SQL queries, the slowest statement)}: the ways
    warmed up, then timed in turn."""
    for call in calls.values():
        for _ in range(WARM_UP):
            call()
    samples = {way: [] for way in calls}
    for _ in range(ARGS.repeat):
        for way, call in calls.items():
            start = time.perf_counter()
            call()
            samples[way].append(time.perf_counter() - start)
    figures = {}
    for way, call in calls.items():
        with CaptureQueriesContext(connection) as queries:
            found = call()
        slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
        figures[way] = (found, *percentiles(samples[way]), len(queries), slowest["sql"])
    return figures


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def print_table(headers: tuple, lines: list) -> None:
    widths = [max(len(str(line[i])) for line in (headers, *lines)) for i in range(len(headers))]
    print()
    for line in (headers, *lines):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


def main() -> None:
    workdir = Path(os.environ["DJANGO_VAR_DIR"])
    try:
        with database():
            run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run() -> None:
    organization_ids = organizations()
    written = write_products(organization_ids)
    member_of = organization_ids[0]
    client = member_client(member_of)
    own = Product.objects.filter(organization_id=member_of)
    rare = own.order_by("pk").values_list("name", flat=True).first().split()[-1].lower()
    data = f"written in {written:.1f}s" if written is not None else "reused"
    print(
        f"{connection.vendor}: {ARGS.records:,} products in {len(organization_ids)} "
        f"organizations ({data}); the member's organization has {own.count():,}; "
        f"{ARGS.repeat} timed runs per query and way after {WARM_UP} warm-up runs"
    )

    built = build_index()
    if built is None:
        print(f"\nindex build: none, the kept index of {ARGS.records:,} records reused")
    else:
        indexed, seconds = built
        print(
            f"\nindex build: {indexed:,} records in {seconds:.1f}s, {indexed / seconds:,.0f} "
            f"records/s (batches of {settings.SEARCH_BATCH_SIZE})"
        )
    measured = sizes()
    if measured:
        print_table(("relation", "MB"), [(name, f"{size / MB:,.1f}") for name, size in measured])

    queries = [
        ("common term", "gadget", True),
        ("rare term", rare, True),
        ("prefix", "gadg", True),
        ("two words", "blue gadget", False),
        ("phrase", '"carbon fiber"', False),
        ("typo", "gadgte", False),
    ]
    lines, plans = [], []
    for kind, q, goal in queries:
        figures = measure(ways(client, member_of, q))
        baseline = figures["icontains"][1]
        for way, (found, p50, p95, count, slowest) in figures.items():
            met = "-"
            if goal and way != "icontains":
                met = f"p95 < {GOAL_MS} ms: {'yes' if p95 < GOAL_MS else 'NO'}"
            lines.append(
                (
                    kind if way == "search" else "",
                    q if way == "search" else "",
                    way,
                    f"{found:,}",
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{p50 / baseline:.2f}x",
                    count,
                    met,
                )
            )
            plans.append((kind, q, way, slowest))
    headers = ("query", "q", "way", "found", "p50 ms", "p95 ms", "/icontains", "SQL", "goal")
    print_table(headers, lines)
    print(
        "\nfound: the search's count, the autocomplete's suggestions (at most 8), the "
        "baseline's count; /icontains: the p50 against the baseline's p50; SQL: the "
        "statements of one request (the baseline: its page and its count)."
    )
    if ARGS.explain and connection.vendor == "postgresql":
        for kind, q, way, sql in plans:
            print(f"\n--- {kind} ({q}), {way}: the slowest statement ---\n{sql}\n{explain(sql)}")


if __name__ == "__main__":
    main()
