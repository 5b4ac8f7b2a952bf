"""The database itself refuses to change audit rows, and (on PostgreSQL) to delete them
outside the purge, which sets `audit.allow_purge` for its transaction."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION audit_auditlog_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION 'audit log entries cannot be changed';
        END IF;
        IF coalesce(current_setting('audit.allow_purge', true), '') <> 'on' THEN
            RAISE EXCEPTION 'audit log entries are only removed by the purge';
        END IF;
        RETURN OLD;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER audit_auditlog_guard BEFORE UPDATE OR DELETE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_auditlog_guard();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditlog_guard ON audit_auditlog;",
    "DROP FUNCTION IF EXISTS audit_auditlog_guard();",
]
SQLITE = [
    """
    CREATE TRIGGER audit_auditlog_no_update BEFORE UPDATE ON audit_auditlog
    BEGIN SELECT RAISE(ABORT, 'audit log entries cannot be changed'); END;
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_auditlog_no_update;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
