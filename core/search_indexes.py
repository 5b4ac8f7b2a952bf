"""The PostgreSQL indexes of list searches and JSON filters, as a migration operation.

`SearchIndexes(trigram={table: columns}, jsonb={table: columns})` creates, on
PostgreSQL only:

- a trigram GIN index per searched column, on the expression Django's `icontains`
  compares, `UPPER("col"::text) LIKE UPPER('%term%')`: a search of these columns is a
  bitmap index scan (several columns: a BitmapOr) instead of a sequential scan, for
  terms of three characters or more (a shorter term has no trigram: the table is
  scanned). Only when the pg_trgm extension is installed (core 0003 installs it where
  allowed; once an administrator has installed it, rolling the migration back and
  applying it again creates them);
- a GIN index (jsonb_path_ops) per JSON column, for containment (`custom_fields @>
  '{"key": value}'`, the ORM's `__contains`).

They are not in the models' Meta: they exist on PostgreSQL only, and the model state is
the same on every database. Reversing drops them. Named `<table>_<column>_trgm` and
`<table>_<column>_gin`.
"""

from django.db import DatabaseError, migrations, transaction

# create_extension's answer for an extension the PostgreSQL server does not have.
UNAVAILABLE = "not available on this PostgreSQL server"


def create_extension(connection, name: str) -> str | None:
    """Create the PostgreSQL extension `name` unless it is there. None once it is
    installed; else why not: UNAVAILABLE, or the error of a refused CREATE EXTENSION
    (a role without the right), the caller's transaction left usable."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT installed_version FROM pg_available_extensions WHERE name = %s", [name]
        )
        row = cursor.fetchone()
    if row is None:
        return UNAVAILABLE
    if row[0] is not None:
        return None  # Already installed.
    try:
        # A savepoint: a refused CREATE EXTENSION leaves the transaction usable.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {connection.ops.quote_name(name)}")
    except DatabaseError as exc:
        return " ".join(str(exc).split())
    return None


def trigram_operator_class(connection, quote) -> str | None:
    """`"schema".gin_trgm_ops` of the installed pg_trgm, None when it is not installed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
        row = cursor.fetchone()
    return None if row is None else f"{quote(row[0])}.gin_trgm_ops"


class SearchIndexes(migrations.RunPython):
    """A migration operation creating the indexes (see the module)."""

    def __init__(self, *, trigram: dict | None = None, jsonb: dict | None = None):
        self.trigram = trigram or {}
        self.jsonb = jsonb or {}
        super().__init__(self.create, self.drop, elidable=False)

    def describe(self):
        return "Search indexes (PostgreSQL)"

    def names(self) -> list[str]:
        return [
            *(
                f"{table}_{column}_trgm"
                for table, columns in self.trigram.items()
                for column in columns
            ),
            *(
                f"{table}_{column}_gin"
                for table, columns in self.jsonb.items()
                for column in columns
            ),
        ]

    def create(self, apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        operator_class = trigram_operator_class(schema_editor.connection, quote)
        if operator_class is not None:
            for table, columns in self.trigram.items():
                for column in columns:
                    expression = f"(UPPER({quote(column)}::text)) {operator_class}"
                    schema_editor.execute(
                        f"CREATE INDEX IF NOT EXISTS {quote(f'{table}_{column}_trgm')} "
                        f"ON {quote(table)} USING gin ({expression})"
                    )
        for table, columns in self.jsonb.items():
            for column in columns:
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {quote(f'{table}_{column}_gin')} "
                    f"ON {quote(table)} USING gin ({quote(column)} jsonb_path_ops)"
                )

    def drop(self, apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in self.names():
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
