"""Audit rows cannot be changed (by the ORM or by SQL), nor deleted except by the
purge."""

import pytest
from django.db import DatabaseError, connection, transaction

from api.v1.base_models.contact.tests.factories import ContactFactory
from audit.models import AuditLog, ImmutableRecord

from ..helpers import raw_sql, rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(org_p):
    return rows_of(ContactFactory(organization=org_p, first_name="Immutable")).get()


def unchanged(row):
    stored = AuditLog.objects.get(pk=row.pk)
    return (stored.action_type, stored.changes, stored.object_repr) == (
        row.action_type,
        row.changes,
        row.object_repr,
    )


class TestTheOrm:
    def test_save_of_a_loaded_row(self, row):
        loaded = AuditLog.objects.get(pk=row.pk)
        loaded.action_type = "DELETE"
        with pytest.raises(ImmutableRecord):
            loaded.save()
        with pytest.raises(ImmutableRecord):
            loaded.save(update_fields=["action_type"])
        assert unchanged(row)

    def test_delete_of_a_row(self, row):
        with pytest.raises(ImmutableRecord):
            row.delete()
        assert AuditLog.objects.filter(pk=row.pk).exists()

    def test_queryset_update_and_delete(self, row):
        with pytest.raises(ImmutableRecord):
            AuditLog.objects.filter(pk=row.pk).update(action_type="DELETE")
        with pytest.raises(ImmutableRecord):
            AuditLog.objects.all().update(changes=None)
        with pytest.raises(ImmutableRecord):
            AuditLog.objects.filter(pk=row.pk).delete()
        with pytest.raises(ImmutableRecord):
            AuditLog.objects.all().delete()
        assert unchanged(row)

    def test_bulk_update(self, row):
        original = row.object_repr
        row.object_repr = "Forged"
        # bulk_update runs in a transaction without savepoint: the test keeps its own.
        with pytest.raises(ImmutableRecord), transaction.atomic():
            AuditLog.objects.bulk_update([row], ["object_repr"])
        assert AuditLog.objects.get(pk=row.pk).object_repr == original

    def test_new_rows_can_be_added(self):
        before = AuditLog.objects.count()
        AuditLog.objects.create(action_type="LOGOUT", object_repr="direct")
        assert AuditLog.objects.count() == before + 1


class TestTheDatabase:
    """The triggers of migration 0002: even SQL that bypasses the ORM is refused."""

    def test_a_raw_update_is_refused(self, row):
        with pytest.raises(DatabaseError, match="cannot be changed"):
            raw_sql("UPDATE audit_auditlog SET action_type = %s WHERE id = %s", ["DELETE", row.pk])
        assert unchanged(row)

    def test_a_raw_delete_is_refused_on_postgresql(self, row):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite has no setting a trigger could read: only the ORM guards")
        with pytest.raises(DatabaseError, match="only removed by the purge"):
            raw_sql("DELETE FROM audit_auditlog WHERE id = %s", [row.pk])
        assert AuditLog.objects.filter(pk=row.pk).exists()

    def test_the_purge_switch_is_needed_on_postgresql(self, row):
        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL trigger")
        with transaction.atomic():
            raw_sql("SELECT set_config('audit.allow_purge', 'off', true)")
            with pytest.raises(DatabaseError):
                raw_sql("DELETE FROM audit_auditlog WHERE id = %s", [row.pk])
        # A transaction that sets it may delete (this is what the purge does).
        with transaction.atomic():
            deleted = AuditLog.objects.filter(pk=row.pk)._purge()
        assert deleted == 1
        assert not AuditLog.objects.filter(pk=row.pk).exists()

    def test_the_triggers_exist(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditlog'::regclass "
                    "AND NOT tgisinternal"
                )
                assert [name for (name,) in cursor.fetchall()] == ["audit_auditlog_guard"]
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'audit_auditlog'"
                )
                assert [name for (name,) in cursor.fetchall()] == ["audit_auditlog_no_update"]
