"""Exports over the API, as users of two organizations: the list's filters, field
rules, natural keys, custom fields and tags as columns, the three formats, the job's
files and who may download them."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from api.v1.features.data_jobs.choices import FileRole, JobStatus
from api.v1.features.data_jobs.models import DataJob
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.models import CustomFieldDefinition
from notifications.models import Notification
from rbac.models import FieldPermission

from .conftest import JOBS_URL, downloaded, job_url, read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(org_a, org_b, gadgets, each_uom):
    ours = [
        ProductFactory(
            organization=org_a,
            sku=f"A-{n}",
            name=f"Ours {n}",
            category=gadgets,
            base_uom=each_uom,
            product_type="SERVICE" if n % 2 else "DIGITAL",
            tags=["blue", "big"] if n == 0 else [],
            custom_fields={"colour": "red"} if n == 0 else {},
        )
        for n in range(4)
    ]
    ProductFactory(organization=org_b, sku="B-0", name="Theirs", base_uom=each_uom)
    return ours


def exported(client, response) -> list[list[str]]:
    assert response.status_code == 202, response.data
    job = client.get(job_url(response.data["id"])).data
    assert job["status"] == JobStatus.SUCCEEDED, job
    content = downloaded(client.get(job["files"][FileRole.OUTPUT]["download_url"]))
    return read_csv(content)


def test_export_holds_only_the_callers_organization_with_natural_keys(
    start_export, jwt_client, admin_a, products
):
    client = jwt_client(admin_a)

    lines = exported(client, start_export(admin_a))

    header, rows = lines[0], lines[1:]
    assert sorted(row[header.index("sku")] for row in rows) == ["A-0", "A-1", "A-2", "A-3"]
    first = next(row for row in rows if row[header.index("sku")] == "A-0")
    assert first[header.index("category")] == "gadgets"  # the slug, not the id
    assert first[header.index("base_uom")] == "EA"
    assert first[header.index("tags")] == "big, blue"
    assert first[header.index("status")] == "draft"


def test_export_follows_the_lists_filters_search_and_ordering(
    start_export, jwt_client, admin_a, products
):
    client = jwt_client(admin_a)

    lines = exported(client, start_export(admin_a, "?product_type=SERVICE&ordering=-sku"))

    sku = lines[0].index("sku")
    assert [row[sku] for row in lines[1:]] == ["A-3", "A-1"]
    filtered = exported(
        client,
        start_export(admin_a, '?filter={"field": "name", "op": "icontains", "value": "ours 2"}'),
    )
    assert [row[sku] for row in filtered[1:]] == ["A-2"]


def test_a_bad_filter_is_refused_before_a_job_starts(start_export, admin_a, products):
    response = start_export(admin_a, "?filter=not-json")

    assert response.status_code == 400
    assert not DataJob.objects.exists()


def test_custom_fields_are_columns(start_export, jwt_client, admin_a, org_a, products):
    CustomFieldDefinition.objects.create(
        content_type=ContentType.objects.get_for_model(Product),
        organization=org_a,
        key="colour",
        field_type="text",
    )

    lines = exported(jwt_client(admin_a), start_export(admin_a))

    header = lines[0]
    assert "custom_fields" not in header
    colours = {
        row[header.index("sku")]: row[header.index("custom_fields.colour")] for row in lines[1:]
    }
    assert colours["A-0"] == "red"
    assert colours["A-1"] == ""


def test_fields_hidden_by_a_field_rule_are_neither_exported_nor_imported(
    start_export, start_import, jwt_client, member_a, products
):
    role = Group.objects.get(name="Organization Member")
    FieldPermission.objects.create(
        role=role,
        content_type=ContentType.objects.get_for_model(Product),
        field_name="description",
        can_read=False,
        can_write=False,
    )

    lines = exported(jwt_client(member_a), start_export(member_a))
    assert "description" not in lines[0]

    response = start_import(
        member_a,
        [["sku", "description"], ["A-1", "Leaked"]],
        mode="update",
    )
    assert response.status_code == 202
    assert any('"description"' in each for each in response.data["warnings"])
    assert Product.objects.get(sku="A-1").description != "Leaked"


def test_xlsx_and_pdf(start_export, jwt_client, admin_a, products):
    client = jwt_client(admin_a)

    response = start_export(admin_a, format="xlsx")
    job = client.get(job_url(response.data["id"])).data
    content = downloaded(client.get(job["files"]["output"]["download_url"]))
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "sku" in rows[0]
    assert len(rows) == 5

    response = start_export(admin_a, format="pdf")
    job = client.get(job_url(response.data["id"])).data
    assert job["files"]["output"]["mime_type"] == "application/pdf"
    assert downloaded(client.get(job["files"]["output"]["download_url"])).startswith(b"%PDF")


def test_pdf_refuses_more_rows_than_it_takes(start_export, admin_a, products, settings):
    settings.DATA_EXPORT_PDF_MAX_ROWS = 2

    response = start_export(admin_a, format="pdf")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.FAILED
    assert "at most 2 rows" in job.error


def test_formula_cells_are_escaped(start_export, jwt_client, admin_a, org_a, each_uom):
    ProductFactory(organization=org_a, sku="F-1", name="=HYPERLINK(1)", base_uom=each_uom)

    lines = exported(jwt_client(admin_a), start_export(admin_a))

    assert lines[1][lines[0].index("name")] == "'=HYPERLINK(1)"


def test_a_requester_without_a_role_on_jobs_follows_their_own(
    start_export, jwt_client, member, org_a, products
):
    from api.v1.base_models.organization.tests.factories import RoleFactory, model_permissions

    user = member(org_a, RoleFactory(permissions=model_permissions(Product, "view")))

    response = start_export(user)

    job = jwt_client(user).get(job_url(response.data["id"]))
    assert job.status_code == 200
    assert job.data["status"] == JobStatus.SUCCEEDED


def test_jobs_are_their_requesters_own(start_export, jwt_client, admin_a, member_a, products):
    response = start_export(admin_a)
    job_id = response.data["id"]

    assert jwt_client(member_a).get(job_url(job_id)).status_code == 404
    assert jwt_client(member_a).get(job_url(job_id, "download")).status_code == 404
    assert jwt_client(member_a).get(JOBS_URL).data["count"] == 0
    listed = jwt_client(admin_a).get(JOBS_URL).data
    assert [each["id"] for each in listed["results"]] == [job_id]
    # Its file is private to the job: not in the organization's files.
    files = jwt_client(member_a).get("/api/v1/files/").data
    assert files["count"] == 0


def test_the_requester_is_notified(start_export, admin_a, products):
    response = start_export(admin_a)

    notification = Notification.objects.get(recipient=admin_a, type_code="data_job_finished")
    assert notification.level == "SUCCESS"
    assert notification.action_url == job_url(response.data["id"])
    assert notification.organization_id == response.data["organization"]


def test_export_needs_an_organization_when_the_caller_has_several(
    start_export, member_of, org_a, org_b, products
):
    user = member_of(org_a, "Organization Administrator")
    from api.v1.base_models.organization.tests.factories import OrganizationMembershipFactory

    OrganizationMembershipFactory(
        user=user, organization=org_b, role=Group.objects.get(name="Organization Viewer")
    )

    assert start_export(user).status_code == 400
    response = start_export(user, organization=org_b.pk)
    assert response.status_code == 202
    job = DataJob.objects.get(pk=response.data["id"])
    assert job.organization == org_b
    assert job.total_rows == 1


def test_cancel(jwt_client, admin_a, products, org_a):
    client = jwt_client(admin_a)
    response = client.post("/api/v1/products/export/", {}, format="json")  # not run
    job_id = response.data["id"]

    cancelled = client.post(job_url(job_id, "cancel"))

    assert cancelled.status_code == 200
    assert cancelled.data["status"] == JobStatus.CANCELLED
    assert client.post(job_url(job_id, "cancel")).status_code == 409


def test_a_requester_who_left_the_organization_no_longer_sees_the_job(
    start_export, jwt_client, admin_a, org_a, products
):
    from api.v1.base_models.organization.models import OrganizationMembership

    job_id = start_export(admin_a).data["id"]
    OrganizationMembership.objects.filter(user=admin_a, organization=org_a).update(is_active=False)

    assert jwt_client(admin_a).get(job_url(job_id)).status_code == 404
    assert jwt_client(admin_a).get(job_url(job_id, "download")).status_code == 404


@pytest.mark.parametrize(("interval", "steps"), [(0, [1, 1, 1, 1]), (10**6, [4])])
def test_progress_is_recorded_about_once_a_second(
    start_export, admin_a, products, settings, monkeypatch, interval, steps
):
    """Every chunk when they come slower than PROGRESS_INTERVAL, else once in a while
    (and at the end): each record of the progress is a write."""
    from api.v1.features.data_jobs import exporter

    settings.DATA_JOB_BATCH_SIZE = 1
    monkeypatch.setattr(exporter, "PROGRESS_INTERVAL", interval)
    recorded = []
    advance = exporter.advance
    monkeypatch.setattr(
        exporter,
        "advance",
        lambda job, **progress: recorded.append(progress["done"]) or advance(job, **progress),
    )

    response = start_export(admin_a)

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.SUCCEEDED
    assert recorded == steps
    assert job.processed_rows == job.total_rows == 4


def test_an_export_cancelled_while_it_runs_stops(
    start_export, admin_a, products, settings, monkeypatch
):
    from api.v1.features.data_jobs import exporter

    settings.DATA_JOB_BATCH_SIZE = 1
    monkeypatch.setattr(exporter, "PROGRESS_INTERVAL", 0)
    checks = []
    monkeypatch.setattr(exporter, "cancelled", lambda job: checks.append(1) or len(checks) > 2)

    response = start_export(admin_a)

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.CANCELLED
    assert len(checks) == 3  # before the first, second and third chunks
    assert job.processed_rows == 1  # as last recorded, before the second chunk
