"""The default roles: created on migrate, never overwritten, completed by
`manage.py sync_default_roles`."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from rbac import access
from rbac.access import load_permission_names
from rbac.roles import create_default_roles, default_roles, role_permissions, sync_default_roles

pytestmark = pytest.mark.django_db

DEFAULT_ROLES = default_roles()

ADMIN, MEMBER, VIEWER = "Organization Administrator", "Organization Member", "Organization Viewer"
AUDITOR = "Organization Auditor"


def names(role):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in role.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def permission(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


ALL = ("view", "add", "change", "delete")


def test_the_roles_come_from_the_models_grants():
    contact_channels = ("contactemailaddress", "contactphonenumber", "contactaddress")
    assert {
        ADMIN: {
            "organization.organization": ALL,
            "organization.organizationmembership": ALL,
            "contact.contact": ALL,
            **{f"contact.{name}": ALL for name in contact_channels},
            "products.product": (*ALL, "activate", "discontinue", "reset"),
            "inventory.warehouse": ALL,
            "inventory.stocklocation": ALL,
            "files.filestorage": ALL,
            "documents.document": ALL,
            "collaboration.comment": (*ALL, "moderate"),
            "chat.chatroom": ALL,
            "meetings.meeting": ALL,
            "data_jobs.datajob": ("view",),
            "automation.automationrule": ALL,
            "automation.automationlog": ("view",),
            "audit.auditlog": ("view",),
            # The test app's worked example (installed by the test settings).
            "testapp.gadget": ALL,
        },
        MEMBER: {
            "organization.organization": ("view",),
            "organization.organizationmembership": ("view",),
            "contact.contact": ALL,
            **{f"contact.{name}": ALL for name in contact_channels},
            "products.product": ("view", "add", "change", "activate", "discontinue"),
            "inventory.warehouse": ("view",),
            "inventory.stocklocation": ("view", "add", "change"),
            "files.filestorage": ("view", "add"),
            "documents.document": ("view", "add", "change"),
            "collaboration.comment": ("view", "add"),
            "chat.chatroom": ("view", "add"),
            "meetings.meeting": ("view", "add"),
            "data_jobs.datajob": ("view",),
            "testapp.gadget": ("view", "add", "change"),
        },
        AUDITOR: {
            "audit.auditlog": ("view",),
            "automation.automationrule": ("view",),
            "automation.automationlog": ("view",),
            "organization.organization": ("view",),
            "organization.organizationmembership": ("view",),
            "contact.contact": ("view",),
            "products.product": ("view",),
            "inventory.warehouse": ("view",),
            "inventory.stocklocation": ("view",),
            "files.filestorage": ("view",),
            "documents.document": ("view",),
            "collaboration.comment": ("view",),
            "meetings.meeting": ("view",),
            "data_jobs.datajob": ("view",),
            "testapp.gadget": ("view",),
        },
        VIEWER: {
            "organization.organization": ("view",),
            "contact.contact": ("view",),
            **{f"contact.{name}": ("view",) for name in contact_channels},
            "products.product": ("view",),
            "inventory.warehouse": ("view",),
            "inventory.stocklocation": ("view",),
            "files.filestorage": ("view",),
            "documents.document": ("view",),
            "collaboration.comment": ("view",),
            "meetings.meeting": ("view",),
            "data_jobs.datajob": ("view",),
            "testapp.gadget": ("view",),
        },
    } == DEFAULT_ROLES


def test_migrate_created_the_default_roles():
    assert set(Group.objects.filter(name__in=DEFAULT_ROLES).values_list("name", flat=True)) == {
        ADMIN,
        MEMBER,
        AUDITOR,
        VIEWER,
    }


def test_administrators_and_auditors_read_the_audit_log():
    assert "audit.view_auditlog" in names(Group.objects.get(name=ADMIN))
    assert "audit.view_auditlog" in names(Group.objects.get(name=AUDITOR))
    assert "audit.view_auditlog" not in names(Group.objects.get(name=MEMBER))


def test_the_administrator_manages_members_contacts_and_organizations():
    held = names(Group.objects.get(name=ADMIN))
    assert {
        "organization.add_organization",
        "organization.delete_organization",
        "organization.add_organizationmembership",
        "organization.change_organizationmembership",
        "contact.delete_contact",
        "contact.change_contactaddress",
    } <= held


def test_the_member_works_with_contacts_and_reads_organizations():
    held = names(Group.objects.get(name=MEMBER))
    assert {
        "contact.add_contact",
        "contact.change_contact",
        "contact.delete_contactemailaddress",
        "organization.view_organization",
        "organization.view_organizationmembership",
    } <= held
    assert "organization.change_organization" not in held
    assert "organization.add_organizationmembership" not in held


def test_the_viewer_only_reads():
    held = names(Group.objects.get(name=VIEWER))
    assert {"contact.view_contact", "organization.view_organization"} <= held
    assert all(name.split(".")[1].startswith("view_") for name in held)
    assert "organization.view_organizationmembership" not in held


def test_each_role_holds_exactly_its_definition():
    for name, spec in DEFAULT_ROLES.items():
        expected = {
            f"{label.split('.')[0]}.{verb}_{label.split('.')[1]}"
            for label, verbs in spec.items()
            for verb in verbs
        }
        assert names(Group.objects.get(name=name)) == expected, name


def test_role_permissions_resolves_every_name():
    spec = {"contact.contact": ("view", "add"), "organization.organization": ("view",)}
    found = {f"{p.content_type.app_label}.{p.codename}" for p in role_permissions(spec)}
    assert found == {
        "contact.view_contact",
        "contact.add_contact",
        "organization.view_organization",
    }


def test_create_default_roles_leaves_existing_roles_alone():
    viewer = Group.objects.get(name=VIEWER)
    viewer.permissions.remove(permission("contact.view_contact"))
    viewer.permissions.add(permission("contact.delete_contact"))
    assert create_default_roles() == []
    assert "contact.view_contact" not in names(viewer)
    assert "contact.delete_contact" in names(viewer)


def test_create_default_roles_recreates_a_missing_role():
    Group.objects.filter(name=MEMBER).delete()
    assert create_default_roles() == [MEMBER]
    assert "contact.add_contact" in names(Group.objects.get(name=MEMBER))
    assert Group.objects.filter(name__in=DEFAULT_ROLES).count() == len(DEFAULT_ROLES)


def test_sync_command_adds_the_missing_permissions_and_keeps_the_extra_ones():
    viewer = Group.objects.get(name=VIEWER)
    admin = Group.objects.get(name=ADMIN)
    viewer.permissions.remove(permission("contact.view_contact"))
    viewer.permissions.add(permission("users.view_user"))
    admin.permissions.remove(
        permission("organization.add_organizationmembership"),
        permission("contact.delete_contact"),
    )
    out = StringIO()
    call_command("sync_default_roles", stdout=out)
    assert "contact.view_contact" in names(viewer)
    assert "users.view_user" in names(viewer)
    assert {"organization.add_organizationmembership", "contact.delete_contact"} <= names(admin)
    output = out.getvalue()
    assert f"{VIEWER}: 1 permission(s) added" in output
    assert f"{ADMIN}: 2 permission(s) added" in output
    assert f"{MEMBER}: 0 permission(s) added" in output


def test_sync_twice_adds_nothing_the_second_time():
    Group.objects.get(name=MEMBER).permissions.clear()
    first = sync_default_roles()
    assert first[MEMBER] == len(
        {(label, verb) for label, verbs in DEFAULT_ROLES[MEMBER].items() for verb in verbs}
    )
    assert sync_default_roles() == dict.fromkeys(DEFAULT_ROLES, 0)


def test_sync_creates_a_missing_role():
    Group.objects.filter(name=VIEWER).delete()
    added = sync_default_roles()
    assert added[VIEWER] == sum(len(verbs) for verbs in DEFAULT_ROLES[VIEWER].values())
    assert "contact.view_contact" in names(Group.objects.get(name=VIEWER))


def test_the_post_migrate_receiver_waits_for_the_last_app():
    from django.apps import apps

    from rbac.signals import after_migrate

    Group.objects.filter(name__in=DEFAULT_ROLES).delete()
    # Earlier apps' post_migrate: some permissions may not exist yet, nothing happens.
    after_migrate(sender=apps.get_app_config("rbac"))
    assert not Group.objects.filter(name__in=DEFAULT_ROLES).exists()
    assert not access._PERMISSION_NAMES  # but their names are to be read again
    # The last app (demo data) has no models: migrate sends it no post_migrate. The
    # last app with models is the one that counts.
    assert list(apps.get_app_configs())[-1].models_module is None
    after_migrate(sender=apps.get_app_config("testapp"))
    assert Group.objects.filter(name__in=DEFAULT_ROLES).count() == len(DEFAULT_ROLES)
    assert "contact.view_contact" in names(Group.objects.get(name=VIEWER))


def test_the_post_migrate_receiver_waits_for_a_fully_migrated_database():
    from django.apps import apps
    from django.db.migrations.state import ProjectState

    from rbac.signals import after_migrate

    Group.objects.filter(name__in=DEFAULT_ROLES).delete()
    # After a migration back, the state lacks some apps: no role is created.
    after_migrate(sender=apps.get_app_config("testapp"), apps=ProjectState().apps)
    assert not Group.objects.filter(name__in=DEFAULT_ROLES).exists()
    load_permission_names()  # forgotten there: read again for the next tests
