"""Running jobs: a worker that dies mid-import leaves a job that another one takes up
after its last committed batch, every row written exactly once; a job delivered twice
runs once; cancelling a running job; progress pushed to the requester's sockets."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from api.v1.features.data_jobs import services, tasks
from api.v1.features.data_jobs.choices import JobStatus
from api.v1.features.data_jobs.models import DataJob
from api.v1.features.data_jobs.services import job_message
from api.v1.features.products.models import Product
from audit.models import AuditLog

pytestmark = pytest.mark.django_db

HEADER = ["sku", "name", "product_type", "base_uom", "tags"]


class WorkerDied(BaseException):
    """The worker process killed between two batches (not an error the job handles)."""


def rows(count, bad=()):
    return [HEADER] + [
        [f"S-{n:03d}", "" if n in bad else f"Product {n}", "SERVICE", "EA", "x"]
        for n in range(count)
    ]


@pytest.fixture(autouse=True)
def small_batches(settings, each_uom):
    settings.DATA_JOB_BATCH_SIZE = 10


def die_after(batches: int):
    """Patch the progress push after each committed batch to kill the worker after
    `batches` of them."""
    calls = {"count": 0}
    real = services._push_progress

    def push(job):
        real(job)
        calls["count"] += 1
        if calls["count"] == batches:
            raise WorkerDied()

    return mock.patch.object(services, "_push_progress", push)


def stalled(job_id):
    """The job's worker gave no sign of life for longer than DATA_JOB_STALLED_AFTER."""
    DataJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - timedelta(hours=1))


def start(start_import, user, data, **form):
    with die_after(2), pytest.raises(WorkerDied):
        start_import(user, data, **form)
    return DataJob.objects.get()


@pytest.mark.parametrize("on_error", ["skip", "abort"])
def test_a_killed_import_resumes_and_writes_every_row_once(start_import, admin_a, org_a, on_error):
    job = start(start_import, admin_a, rows(25), on_error=on_error)
    assert job.status == JobStatus.RUNNING
    if on_error == "skip":
        assert job.cursor == 21  # two batches of ten committed (the header is row 1)
        assert Product.objects.count() == 20
    else:
        assert Product.objects.count() == 0  # abort writes at the end, all or nothing

    # Taken up again while its worker still looks alive: refused, nothing runs twice.
    assert tasks.run_data_job.delay(job.pk).get() is None
    stalled(job.pk)
    assert tasks.resume_stalled_jobs() == {"resumed": 1, "failed": 0}

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.created_rows == 25
    skus = list(Product.objects.filter(organization=org_a).values_list("sku", flat=True))
    assert sorted(skus) == [f"S-{n:03d}" for n in range(25)]
    created = AuditLog.objects.filter(content_type__model="product", action_type="CREATE")
    assert created.count() == 25


def test_a_resumed_dry_run_reports_each_failed_row_once(start_import, admin_a):
    job = start(start_import, admin_a, rows(25, bad={3, 15, 22}), dry_run="true")
    stalled(job.pk)
    tasks.resume_stalled_jobs()

    job.refresh_from_db()
    assert job.status == JobStatus.PARTIAL
    assert list(job.row_errors.values_list("row", flat=True)) == [5, 17, 24]
    assert job.failed_rows == 3
    assert not Product.objects.exists()


def test_a_resumed_import_still_sees_the_files_earlier_keys(start_import, admin_a):
    data = rows(25)
    data[24][0] = "S-002"  # row 25 repeats the key of row 4, checked in a batch before
    job = start(start_import, admin_a, data, on_error="skip")
    stalled(job.pk)
    tasks.resume_stalled_jobs()

    job.refresh_from_db()
    failure = job.row_errors.get()
    assert failure.row == 25
    assert "Row 4" in failure.errors[0]["message"]


def test_a_job_that_stalls_too_often_fails(start_import, admin_a, settings):
    settings.DATA_JOB_MAX_ATTEMPTS = 1
    job = start(start_import, admin_a, rows(25))
    stalled(job.pk)

    assert tasks.resume_stalled_jobs() == {"resumed": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "stopped 1 times" in job.error


def test_a_queued_job_no_worker_took_is_queued_again(jwt_client, admin_a, settings):
    response = jwt_client(admin_a).post("/api/v1/products/export/", {}, format="json")
    job = DataJob.objects.get(pk=response.data["id"])  # its task never ran
    DataJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert tasks.resume_stalled_jobs() == {"resumed": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_cancelling_a_running_import_stops_it_after_its_batch(start_import, admin_a):
    def cancel_after_first_batch(job):
        DataJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    with mock.patch.object(services, "_push_progress", cancel_after_first_batch):
        response = start_import(admin_a, rows(25), on_error="skip")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.CANCELLED
    assert Product.objects.count() == 10  # the committed batch stays


def test_progress_reaches_the_requesters_sockets(start_import, admin_a):
    with mock.patch.object(services, "push_message") as push:
        start_import(admin_a, rows(25), on_error="skip")

    messages = [call.args for call in push.call_args_list]
    assert all(user_id == admin_a.pk for user_id, _message in messages)
    progress = [message["job"]["processed_rows"] for _user, message in messages]
    assert progress == [10, 20, 25, 25]  # each batch, then the end
    assert messages[-1][1]["job"]["status"] == JobStatus.SUCCEEDED
    assert messages[-1][1] == job_message(DataJob.objects.get())


def test_abort_checks_the_whole_file_after_a_refused_batch_and_writes_nothing(
    start_import, admin_a
):
    """The first batch with a failed row rolls back what was written; the rest of the
    file is still checked, so that every failed row is reported at once."""
    response = start_import(admin_a, rows(35, bad={3, 25}), on_error="abort")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.FAILED
    assert list(job.row_errors.values_list("row", flat=True)) == [5, 27]
    assert (job.processed_rows, job.failed_rows, job.total_rows) == (35, 2, 35)
    assert (job.created_rows, job.updated_rows, job.unchanged_rows) == (0, 0, 0)
    assert not Product.objects.exists()
    assert not AuditLog.objects.filter(content_type__model="product").exists()


def test_abort_writes_every_row_in_one_pass(start_import, admin_a):
    pushed = []
    real = services._push_progress
    with mock.patch.object(services, "_push_progress", lambda job: pushed.append(1) or real(job)):
        response = start_import(admin_a, rows(25), on_error="abort")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.SUCCEEDED
    assert (job.processed_rows, job.created_rows, job.failed_rows, job.cursor) == (25, 25, 0, 26)
    assert Product.objects.count() == 25
    assert len(pushed) == 3  # after each batch


def test_an_abort_that_had_found_failed_rows_resumes_checking_the_rest(start_import, admin_a):
    data = rows(35, bad={3})
    with die_after(2), pytest.raises(WorkerDied):  # the refused batch, then the next
        start_import(admin_a, data, on_error="abort")
    job = DataJob.objects.get()
    assert (job.cursor, job.failed_rows) == (21, 1)
    stalled(job.pk)
    tasks.resume_stalled_jobs()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert list(job.row_errors.values_list("row", flat=True)) == [5]
    assert job.processed_rows == 35
    assert not Product.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_progress_of_an_abort_is_seen_while_its_transaction_is_open(
    start_import, admin_a, org_a
):
    """Written by a connection of its own (PostgreSQL): another connection sees the
    rows counted while none of them is committed yet."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: progress shows at the end")
    seen = []
    real = services._push_progress

    def look(job):
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT processed_rows FROM data_jobs_datajob WHERE id = %s", [job.pk]
                )
                processed = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM products_product")
                seen.append((processed, cursor.fetchone()[0]))
        finally:
            other.close()
        real(job)

    with mock.patch.object(services, "_push_progress", look):
        response = start_import(admin_a, rows(25), on_error="abort")

    assert seen == [(10, 0), (20, 0), (25, 0)]
    job = DataJob.objects.get(pk=response.data["id"])
    assert (job.status, job.processed_rows, job.created_rows) == (JobStatus.SUCCEEDED, 25, 25)
    assert Product.objects.count() == 25
