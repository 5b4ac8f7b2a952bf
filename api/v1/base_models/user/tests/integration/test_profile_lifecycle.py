"""The profile's creation with its user (signal) and its audit trail (django-crum)."""

import json

import pytest
from crum import impersonate
from django.contrib.auth import get_user_model
from django.core.management import call_command

from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.services import get_profile
from api.v1.base_models.user.tests.factories import UserFactory

User = get_user_model()

pytestmark = pytest.mark.django_db


class TestProfileCreation:
    def test_creating_a_user_creates_exactly_one_profile(self):
        user = User.objects.create_user("ada", "ada@example.com", "pw-ada-123456")
        assert UserProfile.objects.filter(user=user).count() == 1
        assert user.profile.user_id == user.pk

    def test_create_superuser_creates_a_profile(self):
        admin = User.objects.create_superuser("root", "root@example.com", "pw-root-123456")
        assert UserProfile.objects.filter(user=admin).count() == 1

    def test_saving_an_existing_user_does_not_create_another_profile(self):
        user = UserFactory()
        profile_pk = user.profile.pk
        user.first_name = "Changed"
        user.save()
        assert list(UserProfile.objects.filter(user=user).values_list("pk", flat=True)) == [
            profile_pk
        ]

    def test_deleting_the_user_deletes_the_profile(self):
        user = UserFactory()
        profile_pk = user.profile.pk
        user.delete()
        assert not UserProfile.objects.filter(pk=profile_pk).exists()

    def test_loading_users_from_a_fixture_creates_no_profile(self, tmp_path):
        fixture = tmp_path / "users.json"
        fixture.write_text(
            json.dumps(
                [
                    {
                        "model": "users.user",
                        "pk": 4242,
                        "fields": {
                            "username": "loaded",
                            "password": "!",
                            "email": "loaded@example.com",
                        },
                    }
                ]
            )
        )
        call_command("loaddata", str(fixture), verbosity=0)

        user = User.objects.get(pk=4242)
        assert user.username == "loaded"
        assert not UserProfile.objects.filter(user=user).exists()

        # The service creates the missing profile on first access.
        profile = get_profile(user)
        assert profile.user_id == 4242
        assert UserProfile.objects.filter(user=user).count() == 1

    def test_get_profile_returns_the_existing_profile(self):
        user = UserFactory()
        assert get_profile(user).pk == user.profile.pk
        assert UserProfile.objects.filter(user=user).count() == 1


class TestAuditTrail:
    def test_created_by_and_updated_by_are_the_current_user(self):
        admin = UserFactory()
        with impersonate(admin):
            user = UserFactory()
        profile = UserProfile.objects.get(user=user)
        assert profile.created_by == admin
        assert profile.updated_by == admin

    def test_an_update_changes_updated_by_only(self):
        admin, editor = UserFactory(), UserFactory()
        with impersonate(admin):
            user = UserFactory()
        profile = UserProfile.objects.get(user=user)
        with impersonate(editor):
            profile.job_title = "Auditor"
            profile.save(update_fields=["job_title"])
        profile.refresh_from_db()
        assert profile.created_by == admin
        assert profile.updated_by == editor
        assert profile.job_title == "Auditor"

    def test_saves_without_a_current_user_leave_the_audit_fields_untouched(self):
        admin = UserFactory()
        with impersonate(admin):
            user = UserFactory()
        profile = UserProfile.objects.get(user=user)
        profile.job_title = "Clerk"
        profile.save()
        profile.refresh_from_db()
        assert profile.created_by == admin
        assert profile.updated_by == admin

    def test_an_unsaved_current_user_is_not_recorded(self):
        with impersonate(User(username="ghost")):
            user = UserFactory()
        profile = UserProfile.objects.get(user=user)
        assert profile.created_by is None
        assert profile.updated_by is None
