"""Imports whose batches are written while the next is checked (core.db.pipeline): on
PostgreSQL, outside a test's transaction, the writes run in a thread of their own, and
the results are those of writing batch after batch: the rows the database refuses,
in any batch, reported; all-or-nothing kept; a killed worker resumed."""

import threading
from unittest import mock

import pytest
from django.db import connection

from api.v1.features.data_jobs import services, tasks
from api.v1.features.data_jobs.choices import JobStatus
from api.v1.features.data_jobs.importer import Importer
from api.v1.features.data_jobs.models import DataJob
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog

from .test_jobs import WorkerDied, die_after, rows, small_batches, stalled  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pipelines run on PostgreSQL only"
    ),
]


@pytest.fixture
def writers():
    """The threads the batches were written in."""
    threads = set()
    real = Importer.write

    def write(self, outcome):
        threads.add(threading.get_ident())
        return real(self, outcome)

    with mock.patch.object(Importer, "write", write):
        yield threads


@pytest.fixture
def taken_meanwhile(org_a):
    """S-014 (row 16, in the second batch) exists, unseen by the check: the database
    refuses it."""
    ProductFactory(organization=org_a, sku="S-014")
    with mock.patch.object(Importer, "_existing", return_value={}):
        yield 16


def test_skip_writes_in_a_thread_of_its_own_and_reports_a_refused_row(
    start_import, admin_a, org_a, writers, taken_meanwhile
):
    response = start_import(admin_a, rows(25), on_error="skip")

    job = DataJob.objects.get(pk=response.data["id"])
    assert writers
    assert threading.get_ident() not in writers
    assert job.status == JobStatus.PARTIAL
    assert (job.processed_rows, job.created_rows, job.failed_rows) == (25, 24, 1)
    assert list(job.row_errors.values_list("row", flat=True)) == [taken_meanwhile]
    imported = Product.objects.filter(organization=org_a).exclude(sku="S-014")
    assert imported.count() == 24
    keys = [str(pk) for pk in imported.values_list("pk", flat=True)]
    audited = AuditLog.objects.filter(content_type__model="product", object_id__in=keys)
    assert audited.count() == 24
    # Written in the pipeline's thread, where the job's own rows were written from.
    report = AuditLog.objects.get(object_repr=f"products-failed-rows-{job.pk}.csv")
    where = {(row.request_id, tuple(sorted(row.context.items()))) for row in audited}
    assert where == {(report.request_id, tuple(sorted(report.context.items())))}
    assert [tag.name for tag in imported.first().tags.all()] == ["x"]


def test_abort_writes_nothing_when_the_database_refuses_a_later_batch(
    start_import, admin_a, org_a, writers, taken_meanwhile
):
    response = start_import(admin_a, rows(25), on_error="abort")

    job = DataJob.objects.get(pk=response.data["id"])
    assert threading.get_ident() not in writers
    assert job.status == JobStatus.FAILED
    assert (job.processed_rows, job.failed_rows, job.created_rows) == (25, 1, 0)
    assert list(job.row_errors.values_list("row", flat=True)) == [taken_meanwhile]
    assert list(Product.objects.values_list("sku", flat=True)) == ["S-014"]


def test_abort_reports_a_refused_batch_before_a_later_invalid_one(
    start_import, admin_a, writers, taken_meanwhile
):
    """The third batch's invalid row is found while the second is being written: the
    second's refused row still comes first, and the rest is checked."""
    response = start_import(admin_a, rows(25, bad={21}), on_error="abort")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.FAILED
    assert list(job.row_errors.values_list("row", flat=True)) == [taken_meanwhile, 23]
    assert (job.processed_rows, job.failed_rows) == (25, 2)
    assert Product.objects.count() == 1


def test_abort_writes_every_row_in_one_transaction(start_import, admin_a, writers):
    response = start_import(admin_a, rows(25), on_error="abort")

    job = DataJob.objects.get(pk=response.data["id"])
    assert threading.get_ident() not in writers
    assert job.status == JobStatus.SUCCEEDED
    assert (job.processed_rows, job.created_rows, job.cursor) == (25, 25, 26)
    assert Product.objects.count() == 25


def test_a_killed_worker_leaves_its_committed_batches_and_resumes_after_them(start_import, admin_a):
    with die_after(2), pytest.raises(WorkerDied):
        start_import(admin_a, rows(25), on_error="skip")
    job = DataJob.objects.get()
    assert (job.status, job.cursor, Product.objects.count()) == (JobStatus.RUNNING, 21, 20)

    stalled(job.pk)
    tasks.resume_stalled_jobs()

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_rows) == (JobStatus.SUCCEEDED, 25, 25)
    assert sorted(Product.objects.values_list("sku", flat=True)) == [
        f"S-{n:03d}" for n in range(25)
    ]


def test_a_dry_run_checks_in_one_thread_and_counts_in_the_other(start_import, admin_a):
    response = start_import(admin_a, rows(25, bad={3}), dry_run="true")

    job = DataJob.objects.get(pk=response.data["id"])
    assert (job.status, job.processed_rows, job.created_rows, job.failed_rows) == (
        JobStatus.PARTIAL,
        25,
        24,
        1,
    )
    assert not Product.objects.exists()
    assert services.job_message(job)["job"]["processed_rows"] == 25
