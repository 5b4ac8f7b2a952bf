"""rbac.access.visible_to: the one answer to "which records may this user see"."""

import pytest

from api.v1.base_models.common.models import Currency
from api.v1.base_models.contact.models import Contact, ContactEmailAddress
from api.v1.base_models.contact.tests.factories import ContactEmailAddressFactory, ContactFactory
from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog
from rbac.access import visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(org_a, org_b):
    return ContactFactory(organization=org_a), ContactFactory(organization=org_b)


def test_a_member_sees_the_organizations_where_their_role_may(member, org_a, contacts):
    user = member(org_a, "contact.view_contact")

    assert list(visible_to(Contact, user)) == [contacts[0]]
    assert list(visible_to(Contact.objects.all(), user, "change")) == []


def test_without_the_permission_nothing(member, org_a, contacts):
    user = member(org_a, "contact.change_contact")

    assert list(visible_to(Contact, user)) == []


def test_a_superuser_sees_everything(contacts):
    superuser = UserFactory(is_superuser=True)

    assert set(visible_to(Contact, superuser)) == set(contacts)


def test_records_reached_through_a_path(member, org_a, contacts):
    ours = ContactEmailAddressFactory(contact=contacts[0])
    ContactEmailAddressFactory(contact=contacts[1])
    user = member(org_a, "contact.view_contactemailaddress")

    assert list(visible_to(ContactEmailAddress, user)) == [ours]


def test_shared_data_only_for_superusers(member, org_a):
    user = member(org_a, "common.view_currency")

    assert not visible_to(Currency, user).exists()
    assert visible_to(Currency, UserFactory(is_superuser=True)).exists()


def test_global_permissions_when_asked(member, org_a, org_b):
    from django.contrib.auth.models import Permission

    AuditLog.objects.create(action_type="CREATE", organization=org_b)
    auditor = member(org_a)
    auditor.user_permissions.add(Permission.objects.get(codename="view_auditlog"))
    auditor = type(auditor).objects.get(pk=auditor.pk)

    assert not visible_to(AuditLog, auditor).exists()
    assert visible_to(AuditLog, auditor, global_perms=True).exists()
