"""The Admin of files: metadata only, scoped to the staff member's organizations, and a
download that checks the same permission as the API's."""

import pytest
from django.urls import reverse

from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.user.tests.factories import UserFactory

from ..factories import PDF, FileStorageFactory

pytestmark = pytest.mark.django_db


def url(view, *args):
    return reverse(f"admin:files_filestorage_{view}", args=args)


@pytest.fixture
def staff_client(client, member, org, viewer_role):
    client.force_login(member(org, viewer_role, user=UserFactory(is_staff=True)))
    return client


def test_the_change_page_shows_metadata_and_no_storage_url(staff_client, org):
    stored = FileStorageFactory(organization=org, original_name="plan.pdf")
    response = staff_client.get(url("change", stored.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert url("download", stored.pk) in page
    assert stored.checksum in page
    assert stored.file.name not in page
    assert "/media/" not in page


def test_no_upload_from_the_admin(staff_client, admin_client):
    assert staff_client.get(url("add")).status_code == 403
    assert admin_client.get(url("add")).status_code == 403


def test_the_changelist_shows_the_staff_members_organizations_only(staff_client, org, org_b):
    own = FileStorageFactory(organization=org)
    FileStorageFactory(organization=org_b)
    response = staff_client.get(url("changelist"))
    assert list(response.context["cl"].result_list) == [own]


def test_download_checks_the_permission(staff_client, org, org_b):
    own = FileStorageFactory(organization=org)
    response = staff_client.get(url("download", own.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF

    other = FileStorageFactory(organization=org_b)
    assert staff_client.get(url("download", other.pk)).status_code == 404


def test_a_superuser_renames_a_file(admin_client, org):
    stored = FileStorageFactory(organization=org, tags=["x"])
    response = admin_client.post(
        url("change", stored.pk),
        {"original_name": "renamed.pdf", "tags": "x, y", "custom_fields": "{}"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert FileStorage.objects.get(pk=stored.pk).original_name == "renamed.pdf"
