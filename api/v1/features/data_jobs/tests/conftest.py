"""Fixtures of the import/export tests: organizations A and B (tests/plugin.py), their
people, product categories and the "EA" unit; `run_jobs` runs the queued jobs as a
worker would, once the request's transaction commits."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.tests.factories import CategoryFactory, UnitOfMeasureFactory

PRODUCTS_URL = "/api/v1/products/"
JOBS_URL = "/api/v1/data-jobs/"


def job_url(pk, action=None) -> str:
    return f"{JOBS_URL}{pk}/" + (f"{action}/" if action else "")


def csv_upload(rows, name="products.csv", encoding="utf-8") -> SimpleUploadedFile:
    """A CSV file of `rows` (the first is the header)."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def admin_a(member_of, org_a):
    return member_of(org_a, "Organization Administrator", username="admin_a")


@pytest.fixture
def member_a(member_of, org_a):
    return member_of(org_a, "Organization Member", username="member_a")


@pytest.fixture
def viewer_a(member_of, org_a):
    return member_of(org_a, "Organization Viewer", username="viewer_a")


@pytest.fixture
def admin_b(member_of, org_b):
    return member_of(org_b, "Organization Administrator", username="admin_b")


@pytest.fixture
def each_uom(db):
    return UnitOfMeasureFactory(code="EA", name="Each")


@pytest.fixture
def gadgets(db):
    return CategoryFactory(name="Gadgets", slug="gadgets", category_type=CategoryType.PRODUCT)


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """run_jobs(call) -> the response of `call()`, the jobs it queued run (eager
    Celery) once its transaction commits."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


@pytest.fixture
def start_import(jwt_client, run_jobs):
    """start_import(user, rows or upload, **form) -> the response, the job run."""

    def start(user, rows, url=PRODUCTS_URL, **form):
        upload = rows if isinstance(rows, SimpleUploadedFile) else csv_upload(rows)
        client = jwt_client(user)
        return run_jobs(
            lambda: client.post(f"{url}import/", {"file": upload, **form}, format="multipart")
        )

    return start


@pytest.fixture
def start_export(jwt_client, run_jobs):
    """start_export(user, query="", **body) -> the response, the job run."""

    def start(user, query="", url=PRODUCTS_URL, **body):
        client = jwt_client(user)
        return run_jobs(lambda: client.post(f"{url}export/{query}", body, format="json"))

    return start
