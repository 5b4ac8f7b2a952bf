import pytest

from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    UserProfileFactory,
)

pytestmark = pytest.mark.django_db


def test_user_factory_makes_a_valid_user_with_the_default_password_and_a_profile():
    user = UserFactory()
    user.full_clean()
    assert user.check_password(DEFAULT_PASSWORD)
    assert user.is_active
    assert user.email == f"{user.username}@example.com"
    assert UserProfile.objects.filter(user=user).count() == 1


def test_user_factory_makes_distinct_users():
    first, second = UserFactory.create_batch(2)
    assert first.username != second.username


def test_user_profile_factory_makes_a_valid_profile_without_creating_a_second_one():
    profile = UserProfileFactory()
    profile.full_clean()
    profile.refresh_from_db()
    assert UserProfile.objects.filter(user=profile.user).count() == 1
    assert profile.employee_id.startswith("EMP")
    assert str(profile.phone_number) == "+14155552671"
    assert profile.language == "fr"
    assert profile.timezone == "Europe/Paris"


def test_user_profile_factory_fills_in_an_existing_users_profile():
    user = UserFactory()
    profile = UserProfileFactory(user=user, job_title="Controller")
    assert profile.pk == user.profile.pk
    assert UserProfile.objects.get(user=user).job_title == "Controller"


def test_user_profile_factory_makes_unique_employee_ids():
    first, second = UserProfileFactory.create_batch(2)
    assert first.employee_id != second.employee_id
