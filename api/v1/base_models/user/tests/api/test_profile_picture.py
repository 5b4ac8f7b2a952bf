"""Profile pictures through the file layer: uploads checked like every file (type
sniffed from the content, virus scanning), served by a permission-checked download to
the user and their colleagues only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import status

from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.tests.factories import UserFactory
from tests.clamd import EICAR

pytestmark = pytest.mark.django_db

ME = "/api/v1/profiles/me/"


def picture_url(user) -> str:
    return f"/api/v1/profiles/{user.pk}/picture/"


@pytest.fixture
def with_picture(jwt_client, png_upload):
    """with_picture(user) -> the user, with a picture uploaded."""

    def make(user):
        response = jwt_client(user).patch(
            ME, {"profile_picture": png_upload("Avatar.PNG")}, format="multipart"
        )
        assert response.status_code == status.HTTP_200_OK, response.content
        return user

    return make


def test_the_stored_name_takes_the_contents_type(with_picture, user):
    with_picture(user)
    stored = UserProfile.objects.get(user=user).profile_picture.name
    assert stored.endswith(".png")
    assert "Avatar" not in stored  # from the content, whatever the name


def test_colleagues_see_the_picture_and_nobody_else(jwt_client, with_picture, api_client):
    owner, colleague, stranger = UserFactory(), UserFactory(), UserFactory()
    team = OrganizationFactory()
    for member in (owner, colleague):
        OrganizationMembershipFactory(user=member, organization=team)
    OrganizationMembershipFactory(user=stranger, organization=OrganizationFactory())
    with_picture(owner)

    for viewer in (owner, colleague):
        response = jwt_client(viewer).get(picture_url(owner))
        assert response.status_code == status.HTTP_200_OK
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
        assert response["Cache-Control"] == "private, no-store"
    assert jwt_client(stranger).get(picture_url(owner)).status_code == status.HTTP_404_NOT_FOUND
    assert api_client.get(picture_url(owner)).status_code == status.HTTP_401_UNAUTHORIZED


def test_no_picture_or_no_such_user_is_a_404(jwt_client, user):
    client = jwt_client(user)
    assert client.get(picture_url(user)).status_code == status.HTTP_404_NOT_FOUND
    assert client.get("/api/v1/profiles/99999999999999999999/picture/").status_code == 404


def test_a_picture_is_checked_like_any_file(auth_client, settings, clamd):
    settings.FILE_SCAN_URL = f"clamd://{clamd.host}:{clamd.port}"
    response = auth_client.patch(
        ME, {"profile_picture": SimpleUploadedFile("eicar.png", EICAR)}, format="multipart"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "profile_picture" in response.json()


def test_a_picture_whose_name_claims_another_type_is_refused(auth_client, png_upload):
    response = auth_client.patch(ME, {"profile_picture": png_upload("me.gif")}, format="multipart")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "does not match its name" in response.json()["profile_picture"][0]
