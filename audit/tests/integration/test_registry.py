"""Which models are audited (declared in settings.AUDIT), and the organization and id
each row is filed under."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Model
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.base_models.contact.models import Contact, ContactEmailAddress
from api.v1.base_models.contact.tests.factories import (
    ContactAddressFactory,
    ContactEmailAddressFactory,
    ContactFactory,
    ContactPhoneNumberFactory,
)
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from api.v1.base_models.user.models import User, UserProfile
from audit import install, registry
from audit.models import AuditLog
from audit.services import object_id_of, organization_of
from core.models import Auditable
from notifications.models import Notification
from tests.testapp.models import AuditableThing, CustomFieldsThing, TimestampedThing

from ..helpers import last_id, rows_of, since

INCLUDED = {User, Group, UserAPIKey, TOTPDevice, Notification}


def auditable_models():
    return {
        model
        for model in apps.get_models()
        if issubclass(model, Auditable) and not model._meta.abstract
    }


class TestWhichModels:
    def test_every_auditable_model_and_the_included_ones(self):
        assert len(auditable_models()) >= 15
        assert set(registry.audited_models()) == auditable_models() | INCLUDED
        for model in auditable_models() | INCLUDED:
            assert registry.is_audited(model), model

    def test_the_audit_log_itself_and_other_plumbing_are_not(self):
        for model in (AuditLog, Permission, ContentType, Session, TimestampedThing):
            assert not registry.is_audited(model), model
            assert model not in registry.audited_models()
        assert CustomFieldsThing not in registry.audited_models()

    def test_the_settings_include_and_exclude(self, settings):
        settings.AUDIT = {
            **settings.AUDIT,
            "EXCLUDE": ["contact.Contact", "users.user"],
            "INCLUDE": ["users.user", "testapp.timestampedthing"],
        }
        models = registry.audited_models()
        assert Contact not in models
        assert User not in models  # excluded wins
        assert TimestampedThing in models
        assert ContactEmailAddress in models

    def test_what_is_left_out_of_diffs(self):
        assert {"lft", "rght", "tree_id", "level", "created_at", "updated_by"} <= registry.get(
            Organization
        ).ignored
        assert "last_login" in registry.get(User).ignored
        assert {"last_t", "drift"} <= registry.get(TOTPDevice).ignored
        assert "lft" not in registry.get(Contact).ignored
        names = {name for name, _attname in registry.get(Organization).fields}
        assert "lft" not in names
        assert "id" not in names
        assert {"name", "parent", "metadata", "custom_fields"} <= names

    def test_saves_are_atomic_and_loads_are_left_alone(self):
        for model in registry.audited_models():
            assert getattr(model.save_base, "_audit_atomic", False), model
            # Reading costs nothing: no copy of what was loaded.
            assert model.from_db.__func__ is Model.from_db.__func__, model

    @pytest.mark.django_db
    def test_connecting_twice_logs_once(self, org_p):
        install.connect_all()
        install.connect_all()
        contact = ContactFactory(organization=org_p)
        marker = last_id()
        contact.title = "Once"
        contact.save()
        assert since(marker).count() == 1

    @pytest.mark.django_db
    def test_an_auditable_model_of_the_test_app(self):
        thing = AuditableThing.objects.create(name="Thing")
        thing.name = "Renamed"
        thing.save()
        assert [row.action_type for row in rows_of(thing)] == ["CREATE", "UPDATE"]


@pytest.mark.django_db
class TestOrganizationOf:
    def test_organizations(self, org_p):
        child = OrganizationFactory(parent=org_p)
        grandchild = OrganizationFactory(parent=child)
        assert organization_of(org_p) == org_p.pk  # top level: itself
        assert organization_of(child) == org_p.pk  # the parent
        assert organization_of(grandchild) == child.pk
        assert rows_of(grandchild).get().organization_id == child.pk

    def test_scoped_records(self, org_p, user):
        contact = ContactFactory(organization=org_p)
        membership = OrganizationMembershipFactory(user=user, organization=org_p)
        assert organization_of(contact) == org_p.pk
        assert organization_of(membership) == org_p.pk
        assert isinstance(membership, OrganizationMembership)

    @pytest.mark.parametrize(
        "factory", [ContactEmailAddressFactory, ContactPhoneNumberFactory, ContactAddressFactory]
    )
    def test_contact_channels(self, org_p, factory):
        channel = factory(contact=ContactFactory(organization=org_p))
        assert organization_of(channel) == org_p.pk
        assert rows_of(channel).get().organization_id == org_p.pk

    def test_channels_deleted_with_their_contact(self, org_p):
        contact = ContactFactory(organization=org_p)
        email = ContactEmailAddressFactory(contact=contact)
        pk = email.pk
        contact.delete()
        deletion = rows_of(ContactEmailAddress, pk).last()
        assert deletion.action_type == "DELETE"
        assert deletion.organization_id == org_p.pk

    def test_records_of_no_organization(self, user):
        assert organization_of(user) is None
        assert organization_of(UserProfile.objects.get(user=user)) is None
        assert organization_of(Group.objects.create(name="Loose role")) is None
        assert organization_of(CategoryFactory()) is None


@pytest.mark.django_db
class TestObjectId:
    def test_the_primary_key(self, org_p):
        assert object_id_of(org_p) == str(org_p.pk)

    def test_api_keys_by_prefix(self, user):
        key, _secret = UserAPIKey.objects.create_key(user=user, name="Key")
        assert object_id_of(key) == key.prefix
        assert key.prefix != key.pk
        assert key.prefix in key.pk  # the id embeds the prefix and the hash
