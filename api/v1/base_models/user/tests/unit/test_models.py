import re
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from api.v1.base_models.user.models import UserProfile, profile_picture_path
from api.v1.base_models.user.tests.factories import UserFactory, UserProfileFactory

User = get_user_model()

pytestmark = pytest.mark.django_db


def set_manager(user, manager):
    UserProfile.objects.filter(user=user).update(manager=manager)


class TestUser:
    def test_is_the_auth_user_model(self):
        assert User._meta.label == "users.User"

    def test_str_is_the_username(self):
        assert str(UserFactory(username="ada")) == "ada"


class TestUserProfileFields:
    def test_str_is_the_username(self):
        profile = UserFactory(username="grace").profile
        assert str(profile) == "grace"

    def test_has_timestamps_set_on_creation_and_refreshed_on_save(self):
        profile = UserFactory().profile
        assert isinstance(profile.created_at, datetime)
        assert isinstance(profile.updated_at, datetime)
        assert profile.created_at.tzinfo is not None
        first_update = profile.updated_at

        profile.job_title = "Accountant"
        profile.save()
        profile.refresh_from_db()
        assert profile.updated_at > first_update
        assert profile.created_at <= first_update

    def test_partial_save_still_refreshes_updated_at(self):
        profile = UserFactory().profile
        first_update = profile.updated_at
        profile.job_title = "Buyer"
        profile.save(update_fields=["job_title"])
        profile.refresh_from_db()
        assert profile.job_title == "Buyer"
        assert profile.updated_at > first_update

    def test_has_audit_fields_empty_without_a_current_user(self):
        profile = UserFactory().profile
        field_names = {field.name for field in UserProfile._meta.get_fields()}
        assert {"created_at", "updated_at", "created_by", "updated_by"} <= field_names
        assert profile.created_by is None
        assert profile.updated_by is None

    def test_defaults(self, settings):
        settings.LANGUAGE_CODE = "fr"
        profile = UserFactory().profile
        profile.refresh_from_db()
        assert profile.language == "fr"
        assert profile.timezone == "UTC"
        assert profile.date_format == "YYYY-MM-DD"
        assert profile.time_format == "24h"
        assert profile.notification_preferences == {}
        assert profile.custom_fields == {}
        assert profile.employee_id is None
        assert profile.manager is None

    def test_profile_picture_is_nullable(self):
        profile = UserFactory().profile
        assert UserProfile._meta.get_field("profile_picture").null
        assert not profile.profile_picture
        profile.full_clean()
        # The column accepts NULL, which reads back as "no picture".
        UserProfile.objects.filter(pk=profile.pk).update(profile_picture=None)
        assert UserProfile.objects.filter(pk=profile.pk, profile_picture__isnull=True).exists()
        profile.refresh_from_db()
        assert not profile.profile_picture
        profile.full_clean()

    def test_profiles_are_ordered_by_username(self):
        for name in ["carol", "alice", "bob"]:
            UserFactory(username=name)
        assert [str(p) for p in UserProfile.objects.all()] == ["alice", "bob", "carol"]

    def test_deleting_the_manager_keeps_the_profile(self):
        boss = UserFactory()
        employee = UserFactory()
        set_manager(employee, boss)
        boss.delete()
        employee.profile.refresh_from_db()
        assert employee.profile.manager is None


class TestProfilePicturePath:
    def test_is_under_the_user_folder_with_a_fresh_name_and_lowercase_suffix(self):
        profile = UserFactory().profile
        first = profile_picture_path(profile, "My Photo.PNG")
        second = profile_picture_path(profile, "My Photo.PNG")
        assert re.fullmatch(rf"profile_pictures/{profile.user_id}/[0-9a-f]{{32}}\.png", first)
        assert first != second


class TestUserProfileClean:
    def test_blank_employee_id_becomes_none(self):
        profile = UserFactory().profile
        profile.employee_id = ""
        profile.full_clean()
        assert profile.employee_id is None

    def test_two_profiles_may_both_have_a_blank_employee_id(self):
        first, second = UserFactory().profile, UserFactory().profile
        for profile in (first, second):
            profile.employee_id = ""
            profile.full_clean()
            profile.save()
        assert UserProfile.objects.filter(employee_id__isnull=True).count() == 2

    def test_duplicate_employee_id_is_refused(self):
        UserProfileFactory(employee_id="EMP-1")
        profile = UserFactory().profile
        profile.employee_id = "EMP-1"
        with pytest.raises(ValidationError) as excinfo:
            profile.full_clean()
        assert "employee_id" in excinfo.value.message_dict

    def test_refuses_the_user_as_their_own_manager(self):
        user = UserFactory()
        profile = user.profile
        profile.manager = user
        with pytest.raises(ValidationError) as excinfo:
            profile.clean()
        assert list(excinfo.value.message_dict) == ["manager"]
        assert excinfo.value.error_dict["manager"][0].code == "self_manager"

    def test_refuses_a_manager_cycle(self):
        a, b, c = UserFactory(), UserFactory(), UserFactory()
        set_manager(b, a)  # A manages B
        set_manager(c, b)  # B manages C
        profile = UserProfile.objects.get(user=a)
        profile.manager = c
        with pytest.raises(ValidationError) as excinfo:
            profile.clean()
        assert excinfo.value.error_dict["manager"][0].code == "manager_cycle"

    def test_refuses_a_direct_two_person_cycle(self):
        a, b = UserFactory(), UserFactory()
        set_manager(b, a)
        profile = UserProfile.objects.get(user=a)
        profile.manager = b
        with pytest.raises(ValidationError) as excinfo:
            profile.clean()
        assert excinfo.value.error_dict["manager"][0].code == "manager_cycle"

    def test_accepts_a_manager_chain_without_cycle(self):
        a, b, c = UserFactory(), UserFactory(), UserFactory()
        set_manager(b, a)
        profile = UserProfile.objects.get(user=c)
        profile.manager = b
        profile.full_clean()

    def test_accepts_a_manager_whose_chain_has_an_unrelated_cycle(self):
        # A loop that does not pass through the user must not hang nor be reported.
        a, b, c = UserFactory(), UserFactory(), UserFactory()
        set_manager(a, b)
        set_manager(b, a)
        profile = UserProfile.objects.get(user=c)
        profile.manager = a
        profile.full_clean()

    def test_custom_fields_must_be_an_object(self):
        profile = UserFactory().profile
        profile.custom_fields = ["a", "b"]
        with pytest.raises(ValidationError) as excinfo:
            profile.full_clean()
        assert "custom_fields" in excinfo.value.message_dict

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("timezone", "Nowhere/Nothing"),
            ("language", "xx"),
            ("date_format", "YY/MM"),
            ("time_format", "25h"),
            ("notification_preferences", {"email": "yes"}),
            ("phone_number", "not a phone"),
        ],
    )
    def test_full_clean_refuses_invalid_values(self, field, value):
        profile = UserFactory().profile
        setattr(profile, field, value)
        with pytest.raises(ValidationError) as excinfo:
            profile.full_clean()
        assert list(excinfo.value.message_dict) == [field]
