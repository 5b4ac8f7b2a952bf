"""PostgreSQL's pg_trgm extension, for the trigram indexes of the list searches.

The apps' migrations that depend on this one create trigram GIN indexes on the columns
their `search=` reaches (`UPPER(col::text) gin_trgm_ops`, the expression of Django's
`icontains`), when the extension is there. Where it cannot be created (not available
on the server, or a role without the right to create it; pg_trgm is a trusted
extension since PostgreSQL 13: whoever may CREATE in the database may create it) this
migration logs a warning and succeeds, and the apps' migrations create no trigram
index: searches work as before, without them. Once an administrator has created the
extension, rolling the apps' `search_indexes` migrations back and applying them again
creates the indexes. On other databases (SQLite) it does nothing.

Reversing leaves the extension in place: it may have been there before, and other
objects may use it.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def create_pg_trgm(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT installed_version FROM pg_available_extensions WHERE name = 'pg_trgm'"
        )
        row = cursor.fetchone()
    if row is None:
        logger.warning(
            "pg_trgm is not available on this PostgreSQL server: list searches will not "
            "use trigram indexes."
        )
        return
    if row[0] is not None:
        return  # Already installed.
    try:
        # A savepoint: a refused CREATE EXTENSION leaves the migration's transaction usable.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning(
            "Could not create the pg_trgm extension (%s): list searches will not use "
            "trigram indexes. Create it as the database owner or a superuser (CREATE "
            "EXTENSION pg_trgm), then roll the apps' search_indexes migrations back and "
            "apply them again.",
            " ".join(str(exc).split()),
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop, elidable=False)]
