"""Jobs in the Admin (read-only, their files and failed rows), sensitive fields, and a
view's own resource."""

import pytest
from django.urls import reverse

from api.v1.features.data_jobs.models import DataJob
from api.v1.features.data_jobs.resources import DataResource
from api.v1.features.products.tests.factories import ProductFactory
from api.v1.features.products.views import ProductViewSet

from .conftest import downloaded, job_url, read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(org_a, each_uom):
    return ProductFactory(organization=org_a, sku="P-1", name="Plain", description="Secret")


def export_lines(start_export, jwt_client, user):
    client = jwt_client(user)
    job = client.get(job_url(start_export(user).data["id"])).data
    return read_csv(downloaded(client.get(job["files"]["output"]["download_url"])))


def test_staff_see_a_job_read_only_with_its_files_and_failed_rows(
    start_import, admin_a, superuser, client, each_uom
):
    rows = [["sku", "name", "product_type", "base_uom"], ["A-1", "", "SERVICE", "EA"]]
    job = DataJob.objects.get(pk=start_import(admin_a, rows, on_error="skip").data["id"])
    client.force_login(superuser)

    listed = client.get(reverse("admin:data_jobs_datajob_changelist"))
    page = client.get(reverse("admin:data_jobs_datajob_change", args=[job.pk]))

    assert listed.status_code == 200
    assert str(job) in listed.content.decode()
    content = page.content.decode()
    for link in job.files.all():
        assert reverse("admin:files_filestorage_download", args=[link.file_id]) in content
    assert "row 2: name: This field is required." in content  # the failed row
    assert 'name="_save"' not in content  # nothing to save: read-only
    assert client.get(reverse("admin:data_jobs_datajob_add")).status_code == 403


def test_sensitive_fields_are_never_exported(start_export, jwt_client, admin_a, product, settings):
    settings.AUDIT = {
        **settings.AUDIT,
        "MASKED_FIELDS": [*settings.AUDIT["MASKED_FIELDS"], "products.product.description"],
    }

    lines = export_lines(start_export, jwt_client, admin_a)

    assert "description" not in lines[0]
    assert "Secret" not in str(lines)


def test_a_view_may_name_its_own_resource(start_export, jwt_client, admin_a, product, monkeypatch):
    class TwoColumns(DataResource):
        def export_columns(self):
            return [c for c in super().export_columns() if c.header in ("sku", "name")]

    monkeypatch.setattr(ProductViewSet, "data_resource", TwoColumns, raising=False)

    lines = export_lines(start_export, jwt_client, admin_a)

    assert lines == [["name", "sku"], ["Plain", "P-1"]]
