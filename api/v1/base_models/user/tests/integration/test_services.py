from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.services import update_profile
from api.v1.base_models.user.tests.conftest import png_bytes
from api.v1.base_models.user.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def picture(name="avatar.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def update_then_fail(profile, changes):
    with transaction.atomic():
        update_profile(profile, changes)
        raise RuntimeError("something failed later in the transaction")


@pytest.fixture
def profile_with_picture(django_capture_on_commit_callbacks):
    profile = UserFactory().profile
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(profile, {"profile_picture": picture()})
    assert media_path(profile.profile_picture.name).is_file()
    return profile


def test_update_profile_saves_the_changes():
    profile = UserFactory().profile
    returned = update_profile(profile, {"job_title": "Treasurer", "timezone": "Asia/Tokyo"})
    assert returned is profile
    stored = UserProfile.objects.get(pk=profile.pk)
    assert stored.job_title == "Treasurer"
    assert stored.timezone == "Asia/Tokyo"


def test_update_profile_stores_the_picture_under_the_user_folder(profile_with_picture):
    name = profile_with_picture.profile_picture.name
    assert name.startswith(f"profile_pictures/{profile_with_picture.user_id}/")
    assert name.endswith(".png")
    assert UserProfile.objects.get(pk=profile_with_picture.pk).profile_picture.name == name


def test_replacing_the_picture_deletes_the_old_file_after_commit(
    profile_with_picture, django_capture_on_commit_callbacks
):
    old_name = profile_with_picture.profile_picture.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_profile(profile_with_picture, {"profile_picture": picture("new.png")})
        # Not before the transaction commits: a rollback would otherwise lose the file.
        assert media_path(old_name).is_file()
    assert len(callbacks) == 1
    callbacks[0]()
    new_name = profile_with_picture.profile_picture.name
    assert new_name != old_name
    assert not media_path(old_name).exists()
    assert media_path(new_name).is_file()


def test_removing_the_picture_deletes_the_file_after_commit(
    profile_with_picture, django_capture_on_commit_callbacks
):
    old_name = profile_with_picture.profile_picture.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_profile(profile_with_picture, {"profile_picture": None})
    assert len(callbacks) == 1
    assert not media_path(old_name).exists()
    assert not UserProfile.objects.get(pk=profile_with_picture.pk).profile_picture


def test_a_rolled_back_update_keeps_the_old_file(
    profile_with_picture, django_capture_on_commit_callbacks
):
    old_name = profile_with_picture.profile_picture.name
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError, match="failed later"),
    ):
        update_then_fail(profile_with_picture, {"profile_picture": None})
    assert callbacks == []
    assert media_path(old_name).is_file()
    assert UserProfile.objects.get(pk=profile_with_picture.pk).profile_picture.name == old_name


def test_other_changes_keep_the_picture(profile_with_picture, django_capture_on_commit_callbacks):
    old_name = profile_with_picture.profile_picture.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_profile(profile_with_picture, {"job_title": "Analyst"})
    assert callbacks == []
    assert media_path(old_name).is_file()


def test_removing_a_missing_picture_schedules_nothing(django_capture_on_commit_callbacks):
    profile = UserFactory().profile
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_profile(profile, {"profile_picture": None})
    assert callbacks == []
