import pytest
from crum import impersonate
from django.contrib.auth.models import AnonymousUser

from api.v1.base_models.user.tests.factories import UserFactory
from core.models import Auditable
from tests.testapp.models import AuditableThing, NaturalKeyThing

pytestmark = pytest.mark.django_db


@pytest.fixture
def user1():
    return UserFactory()


@pytest.fixture
def user2():
    return UserFactory()


def test_user_set_on_create(user1):
    with impersonate(user1):
        thing = AuditableThing.objects.create(name="created")
    thing.refresh_from_db()

    assert thing.created_by == user1
    assert thing.updated_by == user1


def test_updated_by_changes_on_update_created_by_does_not(user1, user2):
    with impersonate(user1):
        thing = AuditableThing.objects.create(name="created")
    thing.name = "updated"
    with impersonate(user2):
        thing.save()
    thing.refresh_from_db()

    assert thing.created_by == user1
    assert thing.updated_by == user2


def test_partial_save_records_updated_by(user1, user2):
    with impersonate(user1):
        thing = AuditableThing.objects.create(name="created")
    thing.name = "updated"
    with impersonate(user2):
        thing.save(update_fields=["name"])
    thing.refresh_from_db()

    assert thing.updated_by == user2


@pytest.mark.parametrize("current_user", [None, AnonymousUser()])
def test_no_user_recorded_without_an_authenticated_user(current_user, user1):
    with impersonate(current_user):
        thing = AuditableThing.objects.create(name="nobody")
    assert (thing.created_by, thing.updated_by) == (None, None)

    with impersonate(user1):
        thing.save()
    thing.name = "again"
    with impersonate(current_user):
        thing.save()
    thing.refresh_from_db()
    # An anonymous save does not erase who last changed it.
    assert thing.updated_by == user1


def test_unsaved_user_is_not_recorded():
    unsaved = UserFactory.build()
    with impersonate(unsaved):
        thing = AuditableThing.objects.create(name="x")
    assert thing.created_by is None


def test_natural_primary_key_models_get_created_by(user1, user2):
    """The pk of such models is set before the first save: creation is not `pk is None`."""
    with impersonate(user1):
        thing = NaturalKeyThing.objects.create(code="EUR", name="Euro")
    with impersonate(user2):
        thing.name = "Euro (updated)"
        thing.save()
    thing.refresh_from_db()

    assert thing.created_by == user1
    assert thing.updated_by == user2


def test_deleting_the_user_keeps_the_record(user1):
    with impersonate(user1):
        thing = AuditableThing.objects.create(name="kept")
    user1.delete()
    thing.refresh_from_db()
    assert thing.created_by is None


def test_fields_are_not_editable_and_have_no_reverse_accessor():
    assert Auditable._meta.abstract
    for name in ("created_by", "updated_by"):
        field = AuditableThing._meta.get_field(name)
        assert not field.editable
        assert field.null
        assert field.remote_field.related_name == "+"
