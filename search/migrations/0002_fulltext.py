"""The full-text structures of the index, per database (search.backends.database).

PostgreSQL: a GIN index on the entries' tsvector, and, when pg_trgm is installed (core
0003), a trigram GIN index on their titles (typo-tolerant matching). SQLite: the FTS5
table search_searchentry_fts (rowid = the entry's id, one column per weight, accents
removed by the unicode61 tokenizer). Nothing elsewhere.
"""

from django.db import migrations

from core.search_indexes import trigram_operator_class

FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_searchentry_fts "
    "USING fts5(a, b, c, d, tokenize = 'unicode61 remove_diacritics 2')"
)


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_entry_vector ON search_searchentry "
            "USING gin (vector)"
        )
        operator_class = trigram_operator_class(connection, schema_editor.quote_name)
        if operator_class is not None:
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS search_entry_title_trgm ON search_searchentry "
                f"USING gin (title {operator_class})"
            )
    elif connection.vendor == "sqlite":
        schema_editor.execute(FTS)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_vector")
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_title_trgm")
    elif connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_searchentry_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial"), ("core", "0003_pg_trgm")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
