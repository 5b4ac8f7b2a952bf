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

from django.db import migrations

from core.search_indexes import UNAVAILABLE, create_extension

logger = logging.getLogger(__name__)


def create_pg_trgm(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    refused = create_extension(connection, "pg_trgm")
    if refused == UNAVAILABLE:
        logger.warning(
            "pg_trgm is not available on this PostgreSQL server: list searches will not "
            "use trigram indexes."
        )
    elif refused is not None:
        logger.warning(
            "Could not create the pg_trgm extension (%s): list searches will not use "
            "trigram indexes. Create it as the database owner or a superuser (CREATE "
            "EXTENSION pg_trgm), then roll the apps' search_indexes migrations back and "
            "apply them again.",
            refused,
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop, elidable=False)]
