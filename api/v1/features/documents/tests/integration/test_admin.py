"""The Admin of documents: metadata, the version inline with download links, scoped to
the staff member's organizations."""

import pytest
from django.urls import reverse

from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.documents.tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def url(view, *args):
    return reverse(f"admin:documents_document_{view}", args=args)


@pytest.fixture
def staff_client(client, member, org, viewer_role):
    client.force_login(member(org, viewer_role, user=UserFactory(is_staff=True)))
    return client


def test_the_change_page_lists_the_versions(admin_client, org):
    document = DocumentFactory(organization=org, versions=2)
    response = admin_client.get(url("change", document.pk))
    assert response.status_code == 200
    page = response.content.decode()
    for version in document.versions.all():
        assert reverse("admin:files_filestorage_download", args=[version.file_id]) in page
        assert version.file.file.name not in page


def test_staff_see_their_organizations_documents_only(staff_client, org, org_b):
    own = DocumentFactory(organization=org)
    DocumentFactory(organization=org_b)
    response = staff_client.get(url("changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]


def test_no_document_is_added_in_the_admin(admin_client):
    assert admin_client.get(url("add")).status_code == 403
