"""PostgreSQL: one GIN index on (organization_id, vector), so that a search matches the
caller's organization and the words in one index scan, where the btree on the
organization and the GIN on the words were intersected (every organization's matches
read). It needs the btree_gin extension (a trusted extension since PostgreSQL 13,
created here when the role may); without it nothing changes. Nothing elsewhere."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        # A savepoint: a refused CREATE EXTENSION leaves the migration's transaction usable.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    except DatabaseError as exc:
        logger.warning(
            "Could not create the btree_gin extension (%s): searches read the organization "
            "and the words from two indexes. Create it (CREATE EXTENSION btree_gin), then roll "
            "search back to 0002 and migrate again.",
            " ".join(str(exc).split()),
        )
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS search_entry_org_vector ON search_searchentry "
        "USING gin (organization_id, vector)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_org_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
