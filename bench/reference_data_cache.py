"""Reads of reference data, with and without the response cache (core.cache).

Runs the real application in-process (Django test client, a fresh SQLite database
migrated with the seeded reference data, the local-memory cache or Redis with
--redis-url) and reports, per
endpoint, the median time of a request and the number of SQL queries, without the
cache (every request served from the database) and with it (after a first read),
and their ratio. Timings are of this machine and this run: compare the ratios.

    .venv/bin/python bench/reference_data_cache.py [--repeat 200] [--redis-url URL]
"""

import statistics
import time

import common

ARGS = common.start(
    __doc__,
    [
        ("--repeat", {"type": int, "default": 200}),
        ("--redis-url", {"default": "", "help": "cache in Redis instead of local memory"}),
    ],
    sqlite_only=True,
    redis_url=lambda args: args.redis_url,
)

from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

ENDPOINTS = [
    "/api/v1/currencies/?page_size=100",
    "/api/v1/currencies/EUR/",
    "/api/v1/statuses/",
    "/api/v1/uoms/?page_size=100",
    "/api/v1/uoms/KG/",
    "/api/v1/tax-jurisdictions/?parent=US&page_size=100",
]
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def measure(client: Client, url: str, repeat: int) -> tuple[float, int]:
    """(median seconds, queries of one request) over `repeat` requests after a warm-up."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # Read now: the captured list is a view of the connection's log, which every
    # request resets.
    query_count = len(queries)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), query_count


def main() -> None:
    with common.database():
        run(Client())


def run(client) -> None:
    print(f"{'endpoint':<52} {'no cache':>10} {'cached':>10} {'speed-up':>9}  queries")
    for url in ENDPOINTS:
        with override_settings(CACHES=NO_CACHE):
            cold, cold_queries = measure(client, url, ARGS.repeat)
        cache.clear()
        warm, warm_queries = measure(client, url, ARGS.repeat)
        print(
            f"{url:<52} {cold * 1000:>8.2f}ms {warm * 1000:>8.2f}ms {cold / warm:>8.1f}x"
            f"  {cold_queries} -> {warm_queries}"
        )


if __name__ == "__main__":
    main()
