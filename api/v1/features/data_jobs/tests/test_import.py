"""Imports over the API, as users of two organizations: dry runs, error policies,
modes, field rules, references by natural key, the error report."""

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from api.v1.features.data_jobs.choices import FileRole, JobStatus
from api.v1.features.data_jobs.models import DataJob, DataJobFile
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog

from .conftest import downloaded, job_url, read_csv

pytestmark = pytest.mark.django_db

HEADER = ["sku", "name", "product_type", "base_uom", "category", "tags"]


def good_rows(count, start=0, prefix="SKU"):
    return [
        [f"{prefix}-{n}", f"Product {n}", "SERVICE", "EA", "gadgets", "new, imported"]
        for n in range(start, start + count)
    ]


@pytest.fixture
def catalog(each_uom, gadgets):
    return each_uom, gadgets


def test_import_creates_the_rows_with_tags_references_and_audit(
    start_import, admin_a, org_a, catalog, jwt_client
):
    rows_metric = ("erp_data_job_rows_total", {"kind": "import", "model": "product"})
    rows_before = REGISTRY.get_sample_value(*rows_metric) or 0
    response = start_import(admin_a, [HEADER, *good_rows(3)])

    assert response.status_code == 202, response.data
    assert response["Location"] == job_url(response.data["id"])
    job = jwt_client(admin_a).get(job_url(response.data["id"])).data
    assert job["status"] == JobStatus.SUCCEEDED, job
    assert (job["total_rows"], job["processed_rows"], job["created_rows"]) == (3, 3, 3)
    assert job["failed_rows"] == 0
    assert job["model"] == "products.product"
    products = Product.objects.filter(organization=org_a).order_by("sku")
    assert [p.sku for p in products] == ["SKU-0", "SKU-1", "SKU-2"]
    first = products[0]
    assert first.category.slug == "gadgets"
    assert first.base_uom_id == "EA"
    assert sorted(first.tags.names()) == ["imported", "new"]
    assert first.created_by == admin_a
    created = AuditLog.objects.filter(content_type__model="product", action_type="CREATE")
    assert created.filter(object_id=str(first.pk), user=admin_a).count() == 1
    job_log = AuditLog.objects.filter(content_type__model="datajob", object_id=str(job["id"]))
    assert set(job_log.values_list("user", "organization")) == {(admin_a.pk, org_a.pk)}
    # Rows per second for the metrics (core.metrics): rate() of this counter.
    assert REGISTRY.get_sample_value(*rows_metric) == rows_before + 3


def test_dry_run_reports_every_bad_row_and_writes_nothing(start_import, admin_a, catalog):
    rows = [HEADER, *good_rows(2)]
    rows.append(["SKU-9", "", "SERVICE", "EA", "gadgets", ""])  # row 4: no name
    rows.append(["SKU-10", "Bad type", "WIDGET", "EA", "gadgets", ""])  # row 5
    rows.append(["SKU-0", "Again", "SERVICE", "EA", "gadgets", ""])  # row 6: repeat
    rows.append(["SKU-11", "No unit", "SERVICE", "ZZ", "", ""])  # row 7

    response = start_import(admin_a, rows, dry_run="true")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.PARTIAL
    assert (job.created_rows, job.failed_rows) == (2, 4)
    assert not Product.objects.exists()
    errors = {each.row: each.errors for each in job.row_errors.all()}
    assert set(errors) == {4, 5, 6, 7}
    assert errors[4][0]["column"] == "name"
    assert errors[5][0]["column"] == "product_type"
    assert errors[6][0]["column"] == "sku"
    assert "Row 2" in errors[6][0]["message"]
    assert errors[7][0]["column"] == "base_uom"


def test_abort_writes_nothing_when_a_row_fails(start_import, admin_a, catalog):
    rows = [HEADER, *good_rows(3), ["SKU-X", "", "SERVICE", "EA", "", ""]]

    response = start_import(admin_a, rows, on_error="abort")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.FAILED
    assert job.failed_rows == 1
    assert not Product.objects.exists()


def test_skip_writes_the_good_rows_and_offers_the_failed_ones_to_fix(
    start_import, admin_a, org_a, catalog, jwt_client
):
    rows = [HEADER, *good_rows(3), ["SKU-X", "", "SERVICE", "EA", "", ""]]

    response = start_import(admin_a, rows, on_error="skip")

    job = jwt_client(admin_a).get(job_url(response.data["id"])).data
    assert job["status"] == JobStatus.PARTIAL
    assert (job["created_rows"], job["failed_rows"]) == (3, 1)
    assert Product.objects.filter(organization=org_a).count() == 3
    report = jwt_client(admin_a).get(job["files"][FileRole.ERRORS]["download_url"])
    assert report.status_code == 200
    lines = read_csv(downloaded(report))
    assert lines[0] == [*HEADER, "errors"]
    assert lines[1][:2] == ["SKU-X", ""]
    assert "name" in lines[1][-1]
    # Fixed and imported again in upsert mode: the set is complete, nothing doubled.
    fixed = [HEADER, ["SKU-X", "Fixed", "SERVICE", "EA", "", ""], *good_rows(3)]
    again = start_import(admin_a, fixed, mode="upsert", on_error="skip")
    job = DataJob.objects.get(pk=again.data["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.created_rows, job.unchanged_rows) == (1, 3)
    assert Product.objects.filter(organization=org_a).count() == 4


def test_update_mode_changes_only_the_given_columns(start_import, admin_a, org_a, catalog):
    product = ProductFactory(organization=org_a, sku="AB-1", name="Old", description="Kept")

    response = start_import(admin_a, [["sku", "name"], ["ab-1", "New"]], mode="update")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.SUCCEEDED, job.row_errors.values_list("errors", flat=True)
    assert job.updated_rows == 1
    product.refresh_from_db()
    assert (product.name, product.description) == ("New", "Kept")
    updates = AuditLog.objects.filter(content_type__model="product", action_type="UPDATE")
    assert updates.filter(object_id=str(product.pk), user=admin_a).count() == 1


def test_update_of_a_missing_key_fails_the_row(start_import, admin_a, catalog):
    response = start_import(admin_a, [["sku", "name"], ["NOPE", "New"]], mode="update")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.status == JobStatus.FAILED
    assert job.row_errors.get().errors[0]["column"] == "sku"


def test_create_refuses_an_existing_key(start_import, admin_a, org_a, catalog):
    ProductFactory(organization=org_a, sku="SKU-0")

    response = start_import(admin_a, [HEADER, *good_rows(1)], on_error="skip")

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.failed_rows == 1
    assert "already exists" in job.row_errors.get().errors[0]["message"]


def test_rows_cannot_reference_another_organizations_records(start_import, admin_a, org_b, catalog):
    # Another organization's product category is not one this import may use.
    from api.v1.base_models.common.tests.factories import CategoryFactory

    CategoryFactory(slug="theirs", category_type="PRODUCT")
    response = start_import(
        admin_a,
        [HEADER, ["S-1", "P", "SERVICE", "EA", "no-such-category", ""]],
        on_error="skip",
    )

    job = DataJob.objects.get(pk=response.data["id"])
    assert job.row_errors.get().errors[0]["column"] == "category"


def test_unknown_columns_are_warned_and_a_missing_required_column_refused(
    start_import, admin_a, catalog
):
    response = start_import(admin_a, [[*HEADER, "colour", "created_at"], *good_rows(1)])
    assert response.status_code == 202
    warnings = response.data["warnings"]
    assert any('"colour"' in each and "no such field" in each for each in warnings)
    assert any('"created_at"' in each and "read-only" in each for each in warnings)

    refused = start_import(admin_a, [["sku", "product_type"], ["S", "SERVICE"]])
    assert refused.status_code == 400
    assert "name" in str(refused.data["file"])
    assert not DataJob.objects.filter(pk__gt=response.data["id"]).exists()


def test_permission_to_add_in_the_organization_is_needed(
    start_import, viewer_a, org_b, admin_a, catalog
):
    assert start_import(viewer_a, [HEADER, *good_rows(1)]).status_code == 403
    # Another organization is not one of the caller's: as if it did not exist.
    other = start_import(admin_a, [HEADER, *good_rows(1)], organization=org_b.pk)
    assert other.status_code == 400
    assert "organization" in other.data
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"sku,name,product_type,base_uom\n", "no rows"),
        (b"\x00\x01\x02binary", "not allowed"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(start_import, admin_a, catalog, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("products.csv", content, content_type="text/csv")

    response = start_import(admin_a, upload)

    assert response.status_code == 400
    assert message in str(response.data["file"]).lower()
    assert not DataJob.objects.exists()
    assert not DataJobFile.objects.exists()


def test_latin1_file_is_read(start_import, admin_a, org_a, catalog):
    from .conftest import csv_upload

    upload = csv_upload(
        [["sku", "name", "base_uom", "product_type"], ["C-1", "Café crème", "EA", "SERVICE"]],
        encoding="cp1252",
    )

    response = start_import(admin_a, upload)

    assert response.status_code == 202, response.data
    assert DataJob.objects.get(pk=response.data["id"]).status == JobStatus.SUCCEEDED
    assert Product.objects.get(sku="C-1").name == "Café crème"


def test_a_relations_own_checks_apply(start_import, admin_a, catalog):
    from api.v1.base_models.common.tests.factories import CategoryFactory

    CategoryFactory(slug="doc-type", category_type="DOCUMENT_TYPE")
    CategoryFactory(slug="retired", category_type="PRODUCT", is_active=False)
    rows = [HEADER, ["S-1", "P1", "SERVICE", "EA", "doc-type", ""]]
    rows.append(["S-2", "P2", "SERVICE", "EA", "retired", ""])

    response = start_import(admin_a, rows, on_error="skip")

    job = DataJob.objects.get(pk=response.data["id"])
    messages = [each.errors[0]["message"] for each in job.row_errors.order_by("row")]
    assert "is not a product category" in messages[0]
    assert "inactive" in messages[1]
    assert not Product.objects.exists()


def test_a_batch_the_database_refuses_is_written_row_by_row(start_import, admin_a, org_a, catalog):
    from unittest import mock

    from api.v1.features.data_jobs.importer import Importer

    ProductFactory(organization=org_a, sku="SKU-1")  # taken meanwhile, unseen by the check
    with mock.patch.object(Importer, "_existing", return_value={}):
        response = start_import(admin_a, [HEADER, *good_rows(3)], on_error="skip")

    job = DataJob.objects.get(pk=response.data["id"])
    assert (job.created_rows, job.failed_rows) == (2, 1)
    assert job.row_errors.get().row == 3
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["SKU-0", "SKU-1", "SKU-2"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite checks foreign keys at the commit only"
)
def test_a_record_deleted_after_the_check_fails_its_rows_not_the_job(
    start_import, admin_a, org_a, catalog, each_uom
):
    """The foreign keys of a batch are checked as it is written: the rows naming a
    category deleted since the batch was checked are refused, the others written."""
    from unittest import mock

    from api.v1.base_models.common.tests.factories import CategoryFactory
    from api.v1.features.data_jobs.importer import Importer

    doomed = CategoryFactory(slug="doomed", category_type="PRODUCT")
    real = Importer.check

    def check_then_delete(self, rows):
        outcome = real(self, rows)
        with connection.cursor() as cursor:  # around the ORM's on_delete rules
            cursor.execute("DELETE FROM common_category WHERE id = %s", [doomed.pk])
        return outcome

    data = [HEADER, *good_rows(2), ["SKU-9", "Doomed", "SERVICE", "EA", "doomed", ""]]
    with mock.patch.object(Importer, "check", check_then_delete):
        response = start_import(admin_a, data, on_error="skip")

    job = DataJob.objects.get(pk=response.data["id"])
    assert (job.status, job.created_rows, job.failed_rows) == (JobStatus.PARTIAL, 2, 1)
    assert job.row_errors.get().row == 4
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["SKU-0", "SKU-1"]


def xlsx_upload(rows, name="products.xlsx"):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    return SimpleUploadedFile(name, content.getvalue())


def test_an_xlsx_file_is_imported(start_import, admin_a, org_a, catalog):
    upload = xlsx_upload(
        [["SKU", "Name", "product_type", "base_uom"], ["X-1", "Sheet", "SERVICE", "EA"]]
    )

    response = start_import(admin_a, upload)

    assert response.status_code == 202, response.data
    assert response.data["format"] == "xlsx"
    assert DataJob.objects.get(pk=response.data["id"]).status == JobStatus.SUCCEEDED
    assert Product.objects.get(organization=org_a, sku="X-1").name == "Sheet"


def test_a_zip_bomb_is_refused_before_it_is_opened(start_import, admin_a, catalog, settings):
    settings.DATA_IMPORT_MAX_UNZIPPED_SIZE = 1000

    response = start_import(admin_a, xlsx_upload([["sku", "name"], ["X", "Y" * 5000]]))

    assert response.status_code == 400
    assert "unpacks to more than" in str(response.data["file"])
    assert not DataJob.objects.exists()


def test_a_file_past_the_import_limit_is_a_413(start_import, admin_a, catalog, settings):
    settings.DATA_IMPORT_MAX_SIZE = 100

    response = start_import(admin_a, [HEADER, *good_rows(10)])

    assert response.status_code == 413
    assert not DataJob.objects.exists()


def test_an_exported_file_imports_back_unchanged(
    start_import, start_export, jwt_client, admin_a, org_a, catalog
):
    """Without custom field definitions, custom fields travel as one JSON column."""
    from .conftest import csv_upload

    ProductFactory(organization=org_a, sku="R-1", tags=["a"], custom_fields={"free": "x"})
    client = jwt_client(admin_a)
    job = client.get(job_url(start_export(admin_a).data["id"])).data
    exported = read_csv(downloaded(client.get(job["files"]["output"]["download_url"])))

    response = start_import(admin_a, csv_upload(exported), mode="upsert")

    assert not any('"custom_fields"' in each for each in response.data["warnings"])
    job = DataJob.objects.get(pk=response.data["id"])
    assert (job.status, job.unchanged_rows, job.updated_rows) == (JobStatus.SUCCEEDED, 1, 0)


def test_text_cells_are_checked_for_surrogates_as_the_api_checks_them():
    """The importer's quicker check of every text cell refuses what DRF's refuses, with
    its message."""
    from rest_framework.exceptions import ValidationError
    from rest_framework.validators import ProhibitSurrogateCharactersValidator

    from api.v1.features.data_jobs.importer import _SurrogatesRefused

    quick, drf = _SurrogatesRefused(), ProhibitSurrogateCharactersValidator()
    for text in ("plain", "Ünïcødé ✓ 🚀", "", 12):
        quick(text)
    for text in ("bad \ud800 cell", "\udfff"):
        with pytest.raises(ValidationError) as refused:
            quick(text)
        with pytest.raises(ValidationError) as expected:
            drf(text)
        assert refused.value.detail == expected.value.detail
