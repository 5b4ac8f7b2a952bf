"""Import and export jobs (data_jobs) on many rows: their speed against plain writes,
and the peak memory of the worker that runs them.

A CSV file of --rows products (sku, name, product_type, base_uom, category, tags,
description; every row valid: the unit "EA", a product category by its slug, two tags
"bench, group-N") is imported into an organization by its administrator, in mode
create: on_error=skip (committed batch by batch) and on_error=abort (the default:
checked and written batch by batch in one transaction), and as a dry run (checked,
nothing written). The products imported are then exported to CSV and to XLSX.

Each job is started as a user starts it, through POST /api/v1/products/import/ (the
file, multipart) or /api/v1/products/export/ (JWT-authenticated; the time of that
request is shown apart), its task held back; then run as a worker runs it: a fresh
process of this script (`--measure`) runs `run_data_job.apply((id,))` (the real task,
in this process: claim, run, files, notification; the tasks it queues for other
workers, the search index of the records written and e-mails, go to Celery's in-memory
broker and are counted, not run) and is timed, its SQL queries counted, and its peak
resident memory read (VmHWM after resetting it with /proc/self/clear_refs,
else the process's ru_maxrss). The baselines run the same way, each in a process of
its own, on the rows of the file already parsed: a plain `Product.objects.bulk_create`
of the instances (batches of 1000, nothing else), and `audit.bulk.bulk_create` with
their tags (what the import writes with: audit rows, tags; a transaction per 1000
rows, as the import's batches). The products are removed between measurements,
outside the timings. The exports are compared with a hand-written one of the same rows
and columns: `.values_list()` in chunks of 1000 (joined names included), the tags by one
query per chunk, `csv.writer`.

Prints a table: rows, seconds of the worker's task, rows/s, the ratio to the
baselines (dry run: to the import; exports: to the hand-written one), the job's own
started_at -> finished_at, the request that started it, the worker's peak RSS and its
growth during the job, the SQL queries, and the goals next to the figures (nothing is
asserted): an import of at least 5,000 rows/s validation included, within 2x of the
plain bulk_create; a CSV export of at least 20,000 rows/s; a dry run at least as fast as
the import; a worker under 300 MB. Absolute rates depend on the machine (the same
machine gave 3,000 and 8,000 rows/s of plain bulk_create on two days): compare ratios.

    .venv/bin/python bench/data_jobs.py [--rows 100000] [--tracemalloc]
    .venv/bin/python bench/data_jobs.py --rows 20000 --profile import-skip

--profile runs one measurement (an import, an export or a baseline) under cProfile and prints
its hotspots by cumulative and own time (the .prof file is kept). With REDIS_URL set,
the cache and the channel layer (the job's progress pushes) are on that Redis.
"""

import argparse
import csv
import gc
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import common

# The jobs measured: imports of the file (the form sent with it), exports (the format).
IMPORTS = {"dry-run": {"dry_run": "true"}, "import-skip": {"on_error": "skip"}, "import-abort": {}}
EXPORTS = {"export-csv": "csv", "export-xlsx": "xlsx"}
PROFILED = ("baseline", "audit-bulk", *IMPORTS, *EXPORTS, "export-baseline")
ARGS = common.start(
    __doc__,
    [
        ("--rows", {"type": int, "default": int(os.environ.get("BENCH_ROWS", 100_000))}),
        ("--tracemalloc", {"action": "store_true", "help": "also the peak of tracemalloc"}),
        ("--profile", {"choices": PROFILED, "help": "profile this measurement only"}),
        # What the main process hands the process of one measurement.
        ("--measure", {"help": argparse.SUPPRESS}),
        ("--job", {"type": int, "help": argparse.SUPPRESS}),
        ("--csv", {"help": argparse.SUPPRESS}),
        ("--media-root", {"help": argparse.SUPPRESS}),
        ("--profile-out", {"help": argparse.SUPPRESS}),
    ],
    redis_url=lambda args: os.environ.get("REDIS_URL"),
)

from unittest import mock

from crum import impersonate
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.v1.base_models.common.models import Category, UnitOfMeasure
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.data_jobs.choices import JobStatus
from api.v1.features.data_jobs.models import DataJob
from api.v1.features.data_jobs.tasks import run_data_job
from api.v1.features.products.models import Product
from audit import bulk
from rbac.roles import ROLE_NAMES

HEADER = ["sku", "name", "product_type", "base_uom", "category", "tags", "description"]
PRODUCT_TYPES = ["PHYSICAL_GOOD", "SERVICE", "DIGITAL", "SUBSCRIPTION"]
CATEGORY_SLUG = "bench-products"
USERNAME = "importer"
BATCH = 1000
MB = 1024 * 1024

IMPORT_GOAL = 5_000  # rows/s, validation included
BULK_GOAL = 2.0  # at most this many times the plain bulk_create
EXPORT_GOAL = 20_000  # rows/s, CSV
MEMORY_GOAL = 300  # MB, the worker's peak


# The process of one measurement ----------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements run (an execute wrapper), keeping none: on this
    thread's connection and on those the process opens meanwhile (a pipeline's thread
    writes an import's batches: core.db.pipeline)."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)

    def _opened(self, sender, connection, **kwargs):
        if self not in connection.execute_wrappers:  # this thread's, reconnected
            connection.execute_wrappers.append(self)

    @contextmanager
    def counting(self):
        connection_created.connect(self._opened)
        try:
            with connection.execute_wrapper(self):
                yield
        finally:
            connection_created.disconnect(self._opened)


def _status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Set the process's VmHWM back to its current RSS (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _max_rss_kb() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def _parsed_rows() -> list[list[str]]:
    with open(ARGS.csv, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        assert next(reader) == HEADER
        return list(reader)


def _baseline_work(audited: bool):
    """Instances of the parsed rows written in batches of 1000: with a plain
    bulk_create, or with audit.bulk.bulk_create and the tags (each batch its own
    transaction, as the import's)."""
    organization = Organization.objects.get(code="BENCH")
    user = get_user_model().objects.get(username=USERNAME)
    category_id = Category.objects.get(slug=CATEGORY_SLUG).pk
    rows = _parsed_rows()

    def products(chunk):
        return [
            Product(
                organization_id=organization.pk,
                sku=sku,
                name=name,
                product_type=product_type,
                base_uom_id=unit,
                category_id=category_id,
                description=description,
            )
            for sku, name, product_type, unit, _category, _tags, description in chunk
        ]

    def plain():
        Product.objects.bulk_create(products(rows), batch_size=BATCH)

    def with_audit():
        with impersonate(user):
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                tags = [
                    [name.strip() for name in row[5].split(",") if name.strip()] for row in chunk
                ]
                with transaction.atomic():
                    bulk.bulk_create(products(chunk), tags=tags)

    return with_audit if audited else plain


# What an export of the products writes, read by hand: the same columns (relations by
# their key and name, as the export's columns), the tags by one query per chunk.
EXPORTED = [
    "id",
    "organization_id",
    "organization__name",
    "name",
    "sku",
    "description",
    "product_type",
    "category__slug",
    "category__name",
    "status",
    "base_uom_id",
    "base_uom__name",
    "is_inventory_tracked",
    "is_purchasable",
    "is_sellable",
    "attributes",
    "custom_fields",
    "created_at",
    "updated_at",
]


def _export_baseline_work():
    """The products in the export's order, read with `.values_list()` in chunks of 1000
    (a server-side cursor, as the export's), their tags by one query per chunk, written
    by csv.writer to a temporary file: a hand-written CSV export of the same rows."""
    products = Product.objects.filter(organization__code="BENCH").order_by("name", "pk")
    tagged = Product._meta.get_field("tags").through.objects.filter(
        content_type=ContentType.objects.get_for_model(Product)
    )

    def run():
        rows = products.values_list(*EXPORTED).iterator(chunk_size=BATCH)
        with tempfile.TemporaryFile("w+", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            while chunk := list(islice(rows, BATCH)):
                names = {}
                for object_id, name in tagged.filter(
                    object_id__in=[row[0] for row in chunk]
                ).values_list("object_id", "tag__name"):
                    names.setdefault(object_id, []).append(name)
                writer.writerows((*row, ", ".join(sorted(names.get(row[0], [])))) for row in chunk)

    return run


def _job_work():
    def run():
        return run_data_job.apply(args=[ARGS.job]).get()

    return run


def _queued() -> dict:
    """The tasks queued on the in-memory broker, by name (taken off the broker)."""
    from kombu.transport import memory

    found = {}
    for queue in memory.Channel.queues.values():
        while not queue.empty():
            name = queue.get_nowait()["headers"]["task"].rsplit(".", 1)[-1]
            found[name] = found.get(name, 0) + 1
    return found


def measure() -> None:
    """One measurement (--measure) in this fresh process: its figures as a JSON line."""
    from django.test.utils import override_settings, setup_test_environment

    from config.celery import app

    setup_test_environment()
    # The job's task runs here, as a worker runs it; the tasks it queues (the search
    # index of the records written, the notification's e-mail) are queued as in
    # production, on a broker that only keeps them: other workers' work, counted.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    # The task's own log lines (and the broker's default host) say nothing here.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    override_settings(MEDIA_ROOT=ARGS.media_root).enable()  # the main process's files
    if ARGS.measure in ("baseline", "audit-bulk"):
        work = _baseline_work(audited=ARGS.measure == "audit-bulk")
    elif ARGS.measure == "export-baseline":
        work = _export_baseline_work()
    else:
        work = _job_work()
    profiler = None
    if ARGS.profile_out:
        import cProfile

        profiler = cProfile.Profile()
    counter = QueryCounter()
    gc.collect()
    if ARGS.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    rss_before = _status_kb("VmRSS")
    reset = _reset_peak()
    cpu = time.process_time()
    start = time.perf_counter()
    with counter.counting():
        if profiler:
            profiler.enable()
        outcome = work()
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = _status_kb("VmHWM") if reset else None
    traced = None
    if ARGS.tracemalloc:
        traced = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    if profiler:
        profiler.dump_stats(ARGS.profile_out)
        _print_profile(ARGS.profile_out)
    result = {
        "seconds": seconds,
        "cpu": cpu,
        "queries": counter.count,
        "rss_before_mb": rss_before / 1024 if rss_before else None,
        "peak_mb": (peak if peak is not None else _max_rss_kb()) / 1024,
        "peak_source": "VmHWM" if peak is not None else "ru_maxrss",
        "traced_mb": traced,
        "outcome": outcome,
        "queued": _queued(),
    }
    print("RESULT " + json.dumps(result), flush=True)
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)  # this process's own folder


def _print_profile(path: str, limit: int = 30) -> None:
    import pstats

    for order in ("cumulative", "tottime"):
        print(f"\n--- profile, by {order} (top {limit}) ---")
        stats = pstats.Stats(path, stream=sys.stdout)
        stats.sort_stats(order).print_stats(limit)


# The main process ------------------------------------------------------------------------


def setup():
    organization = Organization.objects.create(
        name="Bench", code="BENCH", organization_type_id="Company"
    )
    user = get_user_model().objects.create_user(USERNAME)
    OrganizationMembership.objects.create(
        user=user,
        organization=organization,
        role=Group.objects.get(name=ROLE_NAMES["administrator"]),
    )
    Category.objects.create(name="Bench products", slug=CATEGORY_SLUG, category_type="PRODUCT")
    UnitOfMeasure.objects.get(code="EA")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def write_csv(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(count):
            writer.writerow(
                [
                    f"BENCH-{n:07d}",
                    f"Product {n}",
                    PRODUCT_TYPES[n % len(PRODUCT_TYPES)],
                    "EA",
                    CATEGORY_SLUG,
                    f"bench, group-{n % 50}",
                    f"Bench product number {n}, imported from a file.",
                ]
            )


def vacuum() -> None:
    """Statistics of the tables just filled or emptied (and their dead rows gone), as
    autovacuum keeps them on a live server."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def clear_products() -> None:
    """The products and their tags gone, without a delete's signals (audit rows stay)."""
    tagged = Product._meta.get_field("tags").through.objects.filter(
        content_type=ContentType.objects.get_for_model(Product)
    )
    tagged._raw_delete(connection.alias)
    Product.objects.all()._raw_delete(connection.alias)
    vacuum()


def start_job(client, url: str, data: dict, fmt: str) -> tuple[int, float]:
    """POST the import or export request, its task held back: (the job, seconds)."""
    queued = []
    with mock.patch.object(run_data_job, "delay", side_effect=queued.append):
        start = time.perf_counter()
        response = client.post(url, data, format=fmt)
        seconds = time.perf_counter() - start
    assert response.status_code == 202, (response.status_code, response.content[:2000])
    assert queued == [response.data["id"]], queued
    return response.data["id"], seconds


def start_import(client, csv_path: Path, **form) -> tuple[int, float]:
    with csv_path.open("rb") as upload:
        return start_job(
            client,
            "/api/v1/products/import/",
            {"file": upload, "mode": "create", **form},
            "multipart",
        )


def child_database_url() -> str:
    """DATABASE_URL of the database the main process made (the test database)."""
    url = os.environ["DATABASE_URL"]
    if connection.vendor == "sqlite":
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def run_measure(kind: str, csv_path: Path, job: int | None = None, profile_out=None) -> dict:
    """Run one measurement in a fresh process of this script; its figures."""
    connection.close()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--rows",
        str(ARGS.rows),
        "--measure",
        kind,
        "--csv",
        str(csv_path),
        "--media-root",
        str(settings.MEDIA_ROOT),
    ]
    if job is not None:
        command += ["--job", str(job)]
    if ARGS.tracemalloc:
        command.append("--tracemalloc")
    if profile_out:
        command += ["--profile-out", str(profile_out)]
    env = {**os.environ, "DATABASE_URL": child_database_url()}
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    result = None
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line.removeprefix("RESULT "))
        else:
            print(line)
    if done.returncode or result is None:
        sys.exit(f"The measurement {kind!r} failed (exit status {done.returncode}).")
    if job is not None:
        result.update(job_figures(job))
    return result


def job_figures(pk: int) -> dict:
    job = DataJob.objects.get(pk=pk)
    figures = {
        "status": job.status,
        "job_seconds": (job.finished_at - job.started_at).total_seconds(),
        "processed": job.processed_rows,
        "created": job.created_rows,
        "failed": job.failed_rows,
    }
    if job.status != JobStatus.SUCCEEDED or job.failed_rows:
        first = job.row_errors.order_by("row").first()
        print(
            f"!! job {pk}: {job.status}, {job.failed_rows} rows failed {job.error}"
            + (f"; row {first.row}: {first.errors}" if first else "")
        )
    return figures


def main() -> None:
    if ARGS.measure:
        measure()
        return
    workdir = Path(os.environ["DJANGO_VAR_DIR"])
    try:
        with common.database():
            run_all(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_all(workdir: Path) -> None:
    client = setup()
    csv_path = workdir / "products.csv"
    write_csv(csv_path, ARGS.rows)
    vacuum()
    size = csv_path.stat().st_size / MB
    redis = "Redis" if os.environ.get("REDIS_URL") else "no Redis"
    print(
        f"{connection.vendor} ({redis}), {ARGS.rows:,} rows, {size:.1f} MB of CSV, "
        f"batches of {settings.DATA_JOB_BATCH_SIZE}"
    )
    if ARGS.profile:
        profile(client, csv_path, workdir)
        return
    figures = {}
    figures["baseline"] = run_measure("baseline", csv_path)
    clear_products()
    figures["audit-bulk"] = run_measure("audit-bulk", csv_path)
    clear_products()
    for name, form in IMPORTS.items():  # the dry run first: on an empty table, as the others
        job, request = start_import(client, csv_path, **form)
        figures[name] = {**run_measure(name, csv_path, job), "request": request}
        if name != "import-abort":
            clear_products()  # the abort's products stay, to be exported
    vacuum()  # the statistics of the rows the import wrote, as autovacuum would
    figures["export-baseline"] = run_measure("export-baseline", csv_path)
    for name, fmt in EXPORTS.items():
        job, request = start_job(client, "/api/v1/products/export/", {"format": fmt}, "json")
        figures[name] = {**run_measure(name, csv_path, job), "request": request}
    report(figures)


def profile(client, csv_path: Path, workdir: Path) -> None:
    """One measurement under cProfile (an export's products written first, unprofiled)."""
    name, job = ARGS.profile, None
    if name in IMPORTS:
        job, _request = start_import(client, csv_path, **IMPORTS[name])
    elif name in EXPORTS or name == "export-baseline":
        run_measure("audit-bulk", csv_path)
        vacuum()
        body = {"format": EXPORTS[name]}
        job, _request = start_job(client, "/api/v1/products/export/", body, "json")
    out = workdir.parent / f"bench-data-jobs-{name}-{os.getpid()}.prof"
    result = run_measure(name, csv_path, job, profile_out=out)
    print(
        f"\n{name} under cProfile: {result['seconds']:.2f}s "
        f"({ARGS.rows / result['seconds']:,.0f} rows/s, slower than unprofiled), "
        f"{result['queries']:,} queries; stats kept in {out}"
    )


def _goal(met: bool, text: str) -> str:
    return f"{text}: {'yes' if met else 'NO'}"


def report(figures: dict) -> None:
    rows = ARGS.rows
    base = figures["baseline"]["seconds"]
    audited = figures["audit-bulk"]["seconds"]
    lines = []
    for name, label in (
        ("baseline", "plain bulk_create (baseline)"),
        ("audit-bulk", "audit.bulk.bulk_create + tags"),
        ("import-skip", "import, on_error=skip"),
        ("import-abort", "import, on_error=abort"),
        ("dry-run", "dry run (on_error=abort)"),
        ("export-baseline", "hand-written CSV export"),
        ("export-csv", "export CSV"),
        ("export-xlsx", "export XLSX"),
    ):
        each = figures[name]
        seconds = each["seconds"]
        rate = rows / seconds
        goals = []
        if name == "baseline":
            ratio = "1.00x baseline"
        elif name == "audit-bulk":
            ratio = f"{seconds / base:.2f}x baseline"
        elif name.startswith("import"):
            ratio = f"{seconds / base:.2f}x baseline, {seconds / audited:.2f}x audit.bulk"
            goals.append(_goal(rate >= IMPORT_GOAL, f">= {IMPORT_GOAL:,} rows/s"))
            goals.append(_goal(seconds / base <= BULK_GOAL, f"<= {BULK_GOAL:g}x baseline"))
        elif name == "dry-run":
            skip, abort = figures["import-skip"]["seconds"], figures["import-abort"]["seconds"]
            ratio = f"{seconds / abort:.2f}x import abort, {seconds / skip:.2f}x skip"
            goals.append(_goal(seconds <= min(skip, abort), "<= 1x import"))
        elif name == "export-baseline":
            ratio = "1.00x hand-written"
        else:
            ratio = f"{seconds / figures['export-baseline']['seconds']:.2f}x hand-written"
            if name == "export-csv":
                goals.append(_goal(rate >= EXPORT_GOAL, f">= {EXPORT_GOAL:,} rows/s"))
        if name not in ("baseline", "audit-bulk", "export-baseline"):
            goals.append(_goal(each["peak_mb"] < MEMORY_GOAL, f"< {MEMORY_GOAL} MB"))
        growth = each["peak_mb"] - (each["rss_before_mb"] or 0)
        memory = f"{each['peak_mb']:.0f} (+{growth:.0f})"
        if each.get("traced_mb") is not None:
            memory += f" [{each['traced_mb']:.0f}]"
        lines.append(
            (
                label,
                f"{rows:,}",
                f"{seconds:.2f}",
                f"{each['cpu']:.2f}",
                f"{rate:,.0f}",
                ratio,
                f"{each['job_seconds']:.2f}" if "job_seconds" in each else "-",
                f"{each['request']:.2f}" if "request" in each else "-",
                memory,
                f"{each['queries']:,}",
                ", ".join(f"{count:,} {name}" for name, count in each["queued"].items()) or "-",
                "; ".join(goals),
            )
        )
    headers = (
        "measurement",
        "rows",
        "seconds",
        "CPU s",
        "rows/s",
        "ratio (time)",
        "job s",
        "request s",
        "peak RSS MB (+growth)",
        "queries",
        "tasks queued",
        "goals",
    )
    widths = [max(len(str(line[i])) for line in (headers, *lines)) for i in range(len(headers))]
    print()
    for line in (headers, *lines):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
    source = figures["baseline"]["peak_source"]
    print(
        "\nseconds: the worker's task (run_data_job, run as a worker runs it) or the "
        "baseline's writes; CPU s: the CPU time of its process meanwhile (the rest is "
        "waiting, mostly for the database); job s: the job's started_at -> finished_at; "
        "request s: the POST that "
        f"started it (upload, checks). Peak RSS: the measurement's process ({source}), "
        "+ its growth during the measurement"
        + ("; [tracemalloc peak MB, timings slowed by it]" if ARGS.tracemalloc else "")
        + ". Queries: the SQL statements of the measurement. Tasks queued: for other "
        "workers (the search index of the records written, e-mails), not run here."
    )


if __name__ == "__main__":
    main()
