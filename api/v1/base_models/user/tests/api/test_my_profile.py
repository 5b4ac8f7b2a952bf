"""GET/PUT/PATCH /api/v1/profiles/me/."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework import status

from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.tests.factories import UserFactory, UserProfileFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/profiles/me/"

PROFILE_FIELDS = {
    "user",
    "job_title",
    "employee_id",
    "phone_number",
    "manager",
    "language",
    "timezone",
    "date_format",
    "time_format",
    "notification_preferences",
    "custom_fields",
    "profile_picture",
    "created_at",
    "updated_at",
}


def stored(profile) -> dict:
    """The profile's row, as stored."""
    return UserProfile.objects.filter(pk=profile.pk).values().get()


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def colleague(user):
    """colleague() -> a new user sharing an organization with the logged-in user (only
    colleagues may be named as manager)."""
    from api.v1.base_models.organization.tests.factories import (
        OrganizationFactory,
        OrganizationMembershipFactory,
    )

    team = OrganizationFactory(name="Team")
    OrganizationMembershipFactory(user=user, organization=team)

    def make():
        other = UserFactory()
        OrganizationMembershipFactory(user=other, organization=team)
        return other

    return make


@pytest.fixture
def profile(user):
    return UserProfileFactory(
        user=user,
        job_title="Accountant",
        employee_id="EMP-0001",
        phone_number="+14155552671",
        language="en",
        timezone="Europe/Paris",
        notification_preferences={"email": False},
        custom_fields={"badge": "A12"},
    )


def assert_rejected(client, profile, payload, field, method="patch"):
    """400 naming `field`, and the profile's row unchanged."""
    before = stored(profile)
    response = getattr(client, method)(URL, payload, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST, response.content
    assert field in response.json(), response.json()
    assert stored(profile) == before
    return response


def test_url_name():
    assert reverse("api-v1:my-profile") == URL


class TestAuthentication:
    @pytest.mark.parametrize("method", ["get", "put", "patch"])
    def test_anonymous_gets_401(self, api_client, user, method):
        before = stored(user.profile)
        response = getattr(api_client, method)(URL, {"job_title": "Hacker"}, format="json")
        assert response.status_code == status.HTTP_401_UNAUTHORIZED
        assert response.json()["detail"]
        assert stored(user.profile) == before

    def test_invalid_token_gets_401(self, api_client, user):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert api_client.get(URL).status_code == status.HTTP_401_UNAUTHORIZED

    def test_invalid_api_key_gets_401(self, api_client, user):
        api_client.credentials(HTTP_X_API_KEY="nope.nothing")
        assert api_client.get(URL).status_code == status.HTTP_401_UNAUTHORIZED

    def test_works_with_an_api_key(self, api_client, api_key_for, profile):
        _key, plaintext = api_key_for(profile.user)
        api_client.credentials(HTTP_X_API_KEY=plaintext)
        response = api_client.get(URL)
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["user"]["id"] == profile.user.pk
        assert response.json()["employee_id"] == "EMP-0001"

    def test_an_api_key_update_is_audited_as_the_keys_user(self, api_client, api_key_for, profile):
        _key, plaintext = api_key_for(profile.user)
        api_client.credentials(HTTP_X_API_KEY=plaintext)
        response = api_client.patch(URL, {"job_title": "Integrator"}, format="json")
        assert response.status_code == status.HTTP_200_OK
        profile.refresh_from_db()
        assert profile.job_title == "Integrator"
        assert profile.updated_by == profile.user


class TestRead:
    def test_returns_the_own_profile(self, auth_client, profile):
        UserFactory()  # another user, whose profile must not be returned
        response = auth_client.get(URL)
        assert response.status_code == status.HTTP_200_OK
        body = response.json()
        assert set(body) == PROFILE_FIELDS
        user = profile.user
        assert body["user"] == {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }
        assert body["job_title"] == "Accountant"
        assert body["employee_id"] == "EMP-0001"
        assert body["phone_number"] == "+14155552671"
        assert body["manager"] is None
        assert body["language"] == "en"
        assert body["timezone"] == "Europe/Paris"
        assert body["date_format"] == "YYYY-MM-DD"
        assert body["time_format"] == "24h"
        assert body["notification_preferences"] == {"email": False}
        assert body["custom_fields"] == {"badge": "A12"}
        assert body["profile_picture"] is None
        assert body["created_at"]
        assert body["updated_at"]

    def test_shows_the_manager_id(self, auth_client, profile):
        boss = UserFactory()
        UserProfile.objects.filter(pk=profile.pk).update(manager=boss)
        assert auth_client.get(URL).json()["manager"] == boss.pk

    def test_creates_a_missing_profile(self, auth_client, user):
        UserProfile.objects.filter(user=user).delete()
        response = auth_client.get(URL)
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["user"]["id"] == user.pk
        assert UserProfile.objects.filter(user=user).count() == 1

    def test_makes_a_bounded_number_of_queries(
        self, auth_client, profile, django_assert_max_num_queries
    ):
        UserProfile.objects.filter(pk=profile.pk).update(manager=UserFactory())
        # The token's user, then the profile with its user (manager as a bare id).
        with django_assert_max_num_queries(2):
            response = auth_client.get(URL)
        assert response.status_code == status.HTTP_200_OK


class TestPatch:
    @pytest.mark.parametrize(
        ("field", "value", "expected"),
        [
            ("job_title", "Controller", "Controller"),
            ("job_title", "", ""),
            ("employee_id", "EMP-9999", "EMP-9999"),
            ("phone_number", "+442079460958", "+442079460958"),
            ("phone_number", "+44 20 7946 0958", "+442079460958"),
            ("phone_number", "", ""),
            ("language", "pt-br", "pt-br"),
            ("timezone", "America/New_York", "America/New_York"),
            ("date_format", "DD/MM/YYYY", "DD/MM/YYYY"),
            ("date_format", "DD.MM.YYYY", "DD.MM.YYYY"),
            ("time_format", "12h", "12h"),
            ("notification_preferences", {"email": True}, {"email": True}),
            (
                "notification_preferences",
                {"in_app": False, "comment_mention": {"in_app": True, "email": False}},
                {"in_app": False, "comment_mention": {"in_app": True, "email": False}},
            ),
            ("notification_preferences", {}, {}),
            ("custom_fields", {"floor": 3, "desk": "B-12"}, {"floor": 3, "desk": "B-12"}),
            ("custom_fields", {}, {}),
        ],
    )
    def test_updates_one_field(self, auth_client, profile, field, value, expected):
        before = stored(profile)
        response = auth_client.patch(URL, {field: value}, format="json")
        assert response.status_code == status.HTTP_200_OK, response.content
        assert response.json()[field] == expected
        after = stored(profile)
        # values() gives the phone number as a PhoneNumber object (or "" when empty).
        stored_value = str(after[field]) if field == "phone_number" else after[field]
        assert stored_value == expected
        # Only that field (and the bookkeeping) changed.
        ignored = {field, "updated_at", "updated_by_id"}
        assert {k: v for k, v in after.items() if k not in ignored} == {
            k: v for k, v in before.items() if k not in ignored
        }

    def test_sets_and_clears_the_manager(self, auth_client, profile, colleague):
        boss = colleague()
        response = auth_client.patch(URL, {"manager": boss.pk}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["manager"] == boss.pk
        assert stored(profile)["manager_id"] == boss.pk

        response = auth_client.patch(URL, {"manager": None}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["manager"] is None
        assert stored(profile)["manager_id"] is None

    def test_accepts_a_manager_chain_without_cycle(self, auth_client, profile, colleague):
        big_boss, boss = colleague(), colleague()
        UserProfile.objects.filter(user=boss).update(manager=big_boss)
        response = auth_client.patch(URL, {"manager": boss.pk}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert stored(profile)["manager_id"] == boss.pk

    def test_updates_several_fields_at_once(self, auth_client, profile):
        payload = {"job_title": "CFO", "language": "fr", "time_format": "12h"}
        response = auth_client.patch(URL, payload, format="json")
        assert response.status_code == status.HTTP_200_OK
        row = stored(profile)
        assert (row["job_title"], row["language"], row["time_format"]) == ("CFO", "fr", "12h")

    def test_updated_by_is_the_requesting_user(self, auth_client, profile):
        assert stored(profile)["updated_by_id"] is None
        response = auth_client.patch(URL, {"job_title": "Auditor"}, format="json")
        assert response.status_code == status.HTTP_200_OK
        row = stored(profile)
        assert row["updated_by_id"] == profile.user.pk
        assert row["created_by_id"] is None  # created outside any request
        assert row["updated_at"] > profile.updated_at

    def test_resending_the_own_employee_id_is_accepted(self, auth_client, profile):
        response = auth_client.patch(URL, {"employee_id": "EMP-0001"}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert stored(profile)["employee_id"] == "EMP-0001"

    @pytest.mark.parametrize("blank", ["", None])
    def test_blank_employee_id_is_stored_as_null(self, auth_client, profile, blank):
        response = auth_client.patch(URL, {"employee_id": blank}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["employee_id"] is None
        assert stored(profile)["employee_id"] is None

    def test_two_users_may_both_have_a_blank_employee_id(self, jwt_client, profile):
        other = UserProfileFactory(employee_id="EMP-0002")
        for client in (jwt_client(profile.user), jwt_client(other.user)):
            response = client.patch(URL, {"employee_id": ""}, format="json")
            assert response.status_code == status.HTTP_200_OK, response.content
        assert list(
            UserProfile.objects.filter(pk__in=[profile.pk, other.pk]).values_list(
                "employee_id", flat=True
            )
        ) == [None, None]

    def test_read_only_fields_are_ignored(self, auth_client, profile):
        user = profile.user
        before = stored(profile)
        payload = {
            "user": {"id": 999, "username": "intruder", "email": "x@example.com"},
            "created_at": "2000-01-01T00:00:00Z",
            "updated_at": "2000-01-01T00:00:00Z",
            "job_title": "Treasurer",
        }
        response = auth_client.patch(URL, payload, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["user"]["username"] == user.username
        after = stored(profile)
        assert after["job_title"] == "Treasurer"
        assert after["user_id"] == user.pk
        assert after["created_at"] == before["created_at"]
        assert after["updated_at"] > before["updated_at"]
        user.refresh_from_db()
        assert user.username != "intruder"
        assert user.email != "x@example.com"

    def test_unknown_fields_are_ignored(self, auth_client, profile):
        before = stored(profile)
        response = auth_client.patch(URL, {"salary": 1_000_000}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert "salary" not in response.json()
        ignored = {"updated_at", "updated_by_id"}
        after = stored(profile)
        assert {k: v for k, v in after.items() if k not in ignored} == {
            k: v for k, v in before.items() if k not in ignored
        }


class TestPut:
    def test_replaces_the_profile(self, auth_client, profile, colleague):
        boss = colleague()
        payload = {
            "job_title": "Head of Finance",
            "employee_id": "EMP-7777",
            "phone_number": "+33142685300",
            "manager": boss.pk,
            "language": "de",
            "timezone": "Europe/Berlin",
            "date_format": "DD-MM-YYYY",
            "time_format": "12h",
            "notification_preferences": {"comment_mention": {"email": True}},
            "custom_fields": {"cost_center": "CC-1"},
        }
        response = auth_client.put(URL, payload, format="json")
        assert response.status_code == status.HTTP_200_OK, response.content
        body = response.json()
        for field, value in payload.items():
            assert body[field] == value
        row = stored(profile)
        assert row["job_title"] == "Head of Finance"
        assert row["employee_id"] == "EMP-7777"
        assert str(row["phone_number"]) == "+33142685300"
        assert row["manager_id"] == boss.pk
        assert row["language"] == "de"
        assert row["timezone"] == "Europe/Berlin"
        assert row["date_format"] == "DD-MM-YYYY"
        assert row["time_format"] == "12h"
        assert row["notification_preferences"] == {"comment_mention": {"email": True}}
        assert row["custom_fields"] == {"cost_center": "CC-1"}
        assert row["updated_by_id"] == profile.user.pk

    def test_validates_like_patch(self, auth_client, profile):
        assert_rejected(
            auth_client, profile, {"job_title": "X", "timezone": "Mars/Base"}, "timezone", "put"
        )


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"phone_number": "not a phone"}, "phone_number"),
            ({"phone_number": "+1234"}, "phone_number"),
            ({"phone_number": 42}, "phone_number"),
            ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
            ({"timezone": "europe/paris"}, "timezone"),
            ({"timezone": ""}, "timezone"),
            ({"timezone": None}, "timezone"),
            ({"language": "xx"}, "language"),
            ({"language": "English"}, "language"),
            ({"language": True}, "language"),
            ({"date_format": "YYYY/MM/DD"}, "date_format"),
            ({"date_format": ""}, "date_format"),
            ({"time_format": "25h"}, "time_format"),
            ({"time_format": 12}, "time_format"),
            ({"notification_preferences": []}, "notification_preferences"),
            ({"notification_preferences": "email"}, "notification_preferences"),
            ({"notification_preferences": None}, "notification_preferences"),
            ({"notification_preferences": {"email": "no"}}, "notification_preferences"),
            ({"notification_preferences": {"sms": True}}, "notification_preferences"),
            (
                {"notification_preferences": {"comment_mention": {"sms": True}}},
                "notification_preferences",
            ),
            ({"notification_preferences": {"comment_mention": True}}, "notification_preferences"),
            (
                {"notification_preferences": {"comment_mention": {"email": 1}}},
                "notification_preferences",
            ),
            ({"custom_fields": [1, 2]}, "custom_fields"),
            ({"custom_fields": "a string"}, "custom_fields"),
            ({"custom_fields": 3}, "custom_fields"),
            ({"custom_fields": None}, "custom_fields"),
            ({"custom_fields": {" ": 1}}, "custom_fields"),
            ({"job_title": {"name": "CEO"}}, "job_title"),
            ({"job_title": ["CEO"]}, "job_title"),
            ({"job_title": None}, "job_title"),
            ({"job_title": "x" * 101}, "job_title"),
            ({"employee_id": {"id": 1}}, "employee_id"),
            ({"employee_id": "E" * 51}, "employee_id"),
            ({"manager": "boss"}, "manager"),
            ({"manager": {"id": 1}}, "manager"),
            ({"manager": 999_999}, "manager"),
            ({"profile_picture": "http://example.com/a.png"}, "profile_picture"),
        ],
    )
    def test_gives_400_naming_the_field_and_changes_nothing(
        self, auth_client, profile, payload, field
    ):
        assert_rejected(auth_client, profile, payload, field)

    def test_a_valid_field_is_not_saved_when_another_is_invalid(self, auth_client, profile):
        assert_rejected(auth_client, profile, {"job_title": "New", "language": "xx"}, "language")

    def test_manager_self(self, auth_client, profile, colleague):
        response = assert_rejected(auth_client, profile, {"manager": profile.user.pk}, "manager")
        assert "own manager" in response.json()["manager"][0]

    def test_a_stranger_is_reported_like_an_unknown_id(self, auth_client, profile, colleague):
        colleague()  # the caller has an organization; the stranger shares none of it
        stranger = UserFactory()
        unknown = assert_rejected(auth_client, profile, {"manager": 999_999}, "manager")
        refused = assert_rejected(auth_client, profile, {"manager": stranger.pk}, "manager")
        assert refused.json()["manager"] == [
            unknown.json()["manager"][0].replace("999999", str(stranger.pk))
        ]

    def test_a_caller_of_no_organization_names_nobody(self, auth_client, profile):
        assert_rejected(auth_client, profile, {"manager": UserFactory().pk}, "manager")

    def test_manager_cycle(self, auth_client, profile, colleague):
        # A (the requesting user) manages B, B manages C: C cannot become A's manager.
        a = profile.user
        b, c = colleague(), colleague()
        UserProfile.objects.filter(user=b).update(manager=a)
        UserProfile.objects.filter(user=c).update(manager=b)
        response = assert_rejected(auth_client, profile, {"manager": c.pk}, "manager")
        assert "reports" in response.json()["manager"][0]

    def test_manager_inactive_user(self, auth_client, profile):
        inactive = UserFactory(is_active=False)
        assert_rejected(auth_client, profile, {"manager": inactive.pk}, "manager")

    def test_duplicate_employee_id(self, auth_client, profile):
        UserProfileFactory(employee_id="EMP-0002")
        response = assert_rejected(auth_client, profile, {"employee_id": "EMP-0002"}, "employee_id")
        assert "already exists" in response.json()["employee_id"][0]

    def test_malformed_json(self, auth_client, profile):
        before = stored(profile)
        response = auth_client.generic(
            "PATCH", URL, '{"job_title": "X",', content_type="application/json"
        )
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert "JSON parse error" in response.json()["detail"]
        assert stored(profile) == before

    def test_json_body_over_the_limit_gives_413(self, auth_client, profile, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
        before = stored(profile)
        response = auth_client.patch(URL, {"job_title": "x" * 300}, format="json")
        assert response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        assert response.json()["detail"]
        assert stored(profile) == before

    def test_json_body_under_the_limit_is_accepted(self, auth_client, profile, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
        response = auth_client.patch(URL, {"job_title": "x" * 50}, format="json")
        assert response.status_code == status.HTTP_200_OK

    def test_unsupported_media_type(self, auth_client, profile):
        before = stored(profile)
        response = auth_client.generic("PATCH", URL, "job_title=X", content_type="text/plain")
        assert response.status_code == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
        assert stored(profile) == before


class TestProfilePicture:
    def upload(self, client, file, **fields):
        return client.patch(URL, {"profile_picture": file, **fields}, format="multipart")

    def test_upload_stores_the_file_and_returns_its_url(self, auth_client, profile, png_upload):
        response = self.upload(auth_client, png_upload("Me.PNG"), job_title="Photographer")
        assert response.status_code == status.HTTP_200_OK, response.content
        row = stored(profile)
        name = row["profile_picture"]
        assert name.startswith(f"profile_pictures/{profile.user_id}/")
        assert name.endswith(".png")
        assert media_path(name).is_file()
        assert media_path(name).read_bytes().startswith(b"\x89PNG")
        assert row["job_title"] == "Photographer"
        url = response.json()["profile_picture"]
        # Not a storage URL: the picture's permission-checked download.
        assert url == f"http://testserver/api/v1/profiles/{profile.user_id}/picture/"
        assert auth_client.get(URL).json()["profile_picture"] == url
        picture = auth_client.get(url)
        assert picture.status_code == status.HTTP_200_OK
        assert b"".join(picture.streaming_content) == media_path(name).read_bytes()
        assert picture["Content-Type"] == "image/png"

    def test_replacing_deletes_the_old_file(
        self, auth_client, profile, png_upload, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert self.upload(auth_client, png_upload()).status_code == status.HTTP_200_OK
        old_name = stored(profile)["profile_picture"]

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = self.upload(auth_client, png_upload("new.png", color=(0, 0, 255)))
        assert response.status_code == status.HTTP_200_OK
        new_name = stored(profile)["profile_picture"]
        assert new_name != old_name
        assert len(callbacks) == 1
        assert not media_path(old_name).exists()
        assert media_files() == [media_path(new_name)]

    def test_null_removes_the_picture_and_deletes_the_file(
        self, auth_client, profile, png_upload, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert self.upload(auth_client, png_upload()).status_code == status.HTTP_200_OK
        old_name = stored(profile)["profile_picture"]
        assert media_path(old_name).is_file()

        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.patch(URL, {"profile_picture": None}, format="json")
        assert response.status_code == status.HTTP_200_OK
        assert response.json()["profile_picture"] is None
        assert not stored(profile)["profile_picture"]
        assert media_files() == []

    def test_a_rejected_update_keeps_the_current_picture(
        self, auth_client, profile, png_upload, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert self.upload(auth_client, png_upload()).status_code == status.HTTP_200_OK
        before = stored(profile)

        with django_capture_on_commit_callbacks(execute=True):
            response = self.upload(auth_client, png_upload("new.png"), timezone="Mars/Base")
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert "timezone" in response.json()
        assert stored(profile) == before
        assert media_files() == [media_path(before["profile_picture"])]

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("notes.txt", b"just some text, not an image"),
            ("fake.png", b"not really a png"),
            ("empty.png", b""),
        ],
    )
    def test_a_non_image_gives_400(self, auth_client, profile, name, content):
        before = stored(profile)
        response = self.upload(auth_client, SimpleUploadedFile(name, content))
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert "profile_picture" in response.json()
        assert stored(profile) == before
        assert media_files() == []

    def test_an_image_over_the_size_limit_gives_400(
        self, auth_client, profile, png_upload, settings
    ):
        upload = png_upload(width=64, height=64)
        settings.PROFILE_PICTURE_MAX_SIZE = upload.size - 1
        before = stored(profile)
        response = self.upload(auth_client, upload)
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert "too large" in response.json()["profile_picture"][0]
        assert stored(profile) == before
        assert media_files() == []

    def test_an_image_at_the_size_limit_is_accepted(
        self, auth_client, profile, png_upload, settings
    ):
        upload = png_upload(width=64, height=64)
        settings.PROFILE_PICTURE_MAX_SIZE = upload.size
        assert self.upload(auth_client, upload).status_code == status.HTTP_200_OK
        assert media_path(stored(profile)["profile_picture"]).is_file()

    def test_multipart_body_can_update_text_fields(self, auth_client, profile):
        response = auth_client.patch(
            URL, {"job_title": "Via form", "language": "fr"}, format="multipart"
        )
        assert response.status_code == status.HTTP_200_OK
        row = stored(profile)
        assert (row["job_title"], row["language"]) == ("Via form", "fr")


def test_response_is_json(auth_client, profile):
    response = auth_client.get(URL)
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["employee_id"] == "EMP-0001"


class TestManagerAcrossOrganizations:
    """Once a user belongs to organizations, the manager is one of their colleagues; a
    user of another organization reads like an id that does not exist."""

    @pytest.fixture
    def colleagues(self, db):
        from api.v1.base_models.organization.tests.factories import (
            OrganizationFactory,
            OrganizationMembershipFactory,
        )

        org_a, org_b = OrganizationFactory(), OrganizationFactory()
        me, colleague, stranger = UserFactory(), UserFactory(), UserFactory()
        for user, organization in ((me, org_a), (colleague, org_a), (stranger, org_b)):
            OrganizationMembershipFactory(user=user, organization=organization)
        return me, colleague, stranger

    def test_a_colleague_may_be_the_manager(self, jwt_client, colleagues):
        me, colleague, _stranger = colleagues
        response = jwt_client(me).patch(URL, {"manager": colleague.pk}, format="json")
        assert response.status_code == 200, response.content
        assert UserProfile.objects.get(user=me).manager == colleague

    def test_another_organizations_user_reads_like_an_unknown_id(self, jwt_client, colleagues):
        me, _colleague, stranger = colleagues
        client = jwt_client(me)
        answers = [
            client.patch(URL, {"manager": user_id}, format="json")
            for user_id in (stranger.pk, 999_999)
        ]
        assert [answer.status_code for answer in answers] == [400, 400]
        assert answers[0].json()["manager"][0].replace(str(stranger.pk), "N") == answers[1].json()[
            "manager"
        ][0].replace("999999", "N")
        assert UserProfile.objects.get(user=me).manager is None
