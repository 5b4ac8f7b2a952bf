"""PostgreSQL: one GIN index on (organization_id, vector), so that a search matches the
caller's organization and the words in one index scan, where the btree on the
organization and the GIN on the words were intersected (every organization's matches
read). It needs the btree_gin extension (a trusted extension since PostgreSQL 13,
created here when the role may); without it nothing changes. Nothing elsewhere."""

import logging

from django.db import migrations

from core.search_indexes import create_extension

logger = logging.getLogger(__name__)


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    refused = create_extension(connection, "btree_gin")
    if refused is not None:
        logger.warning(
            "Could not create the btree_gin extension (%s): searches read the organization "
            "and the words from two indexes. Create it (CREATE EXTENSION btree_gin), then roll "
            "search back to 0002 and migrate again.",
            refused,
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
