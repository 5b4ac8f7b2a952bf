import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from api.v1.base_models.user.models import UserProfile

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    """A user with a known password (DEFAULT_PASSWORD) and, through the signal, a profile."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(DEFAULT_PASSWORD)
    is_active = True


class UserProfileFactory(DjangoModelFactory):
    """Fills in the profile that the user's creation made (profiles are never created twice)."""

    class Meta:
        model = UserProfile

    user = factory.SubFactory(UserFactory)
    job_title = factory.Faker("job")
    employee_id = factory.Sequence(lambda n: f"EMP{n:05d}")
    phone_number = "+14155552671"
    timezone = "Europe/Paris"
    language = "fr"
    profile_picture = None

    @classmethod
    def _create(cls, model_class, user, **fields):
        profile, _ = model_class.objects.get_or_create(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        return profile
