"""A record by its primary key, in SQL written once per process.

`Model.objects.get(pk=...)` builds and compiles a query each time: for a row read on
every request (the user of a token) that takes longer than the database answering it.
`get_by_pk` writes the SELECT of the model's columns once per database, and loads the
row as the ORM does: the same database converters, `Model.from_db`, signals included.
It reads the table itself: a default manager that filters rows is not applied, so use
it for models whose default manager does not. `columns_of` gives the same columns and
loading to a statement that reads more than the row (rbac.access: a user with their
memberships).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, router

_READ = "SELECT {columns} FROM {table} WHERE {pk} = %s"


@dataclass(frozen=True)
class Columns:
    """A model's columns in a SELECT (`sql`, the first `len(attnames)` of a row), and
    how the ORM turns them into an instance."""

    sql: str
    attnames: list
    converters: list  # [(index, column, the database's converters of its values)]

    def instance(self, model, alias: str, row):
        """The instance of `model` of the first columns of `row`, as the ORM loads it."""
        values = list(row[: len(self.attnames)])
        connection = connections[alias]
        for index, column, found in self.converters:
            for converter in found:
                values[index] = converter(values[index], column, connection)
        return model.from_db(alias, self.attnames, values)


# {(model, database alias, table alias): Columns}
_COLUMNS: dict = {}
_READS: dict = {}  # {(model, database alias): statement}


def columns_of(model, connection, table: str | None = None) -> Columns:
    """The concrete columns of `model` for a SELECT on `connection`, qualified by
    `table` (an alias of the model's table in the statement) when given."""
    key = (model, connection.alias, table)
    found = _COLUMNS.get(key)
    if found is None:
        fields = model._meta.concrete_fields
        quote = connection.ops.quote_name
        prefix = f"{quote(table)}." if table else ""
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            each = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if each:
                converters.append((index, column, each))
        found = _COLUMNS[key] = Columns(
            sql=", ".join(prefix + quote(field.column) for field in fields),
            attnames=[field.attname for field in fields],
            converters=converters,
        )
    return found


def key_value(model, pk, connection):
    """`pk` as the database takes the model's primary key; ValueError when it is not a
    value of the key's type."""
    try:
        return model._meta.pk.get_db_prep_value(pk, connection, prepared=False)
    except (TypeError, ValueError, ValidationError) as error:
        raise ValueError(pk) from error


def get_by_pk(model, pk):
    """The instance of `model` whose primary key is `pk`, or None (none, or `pk` is not
    a value of the key's type)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    try:
        value = key_value(model, pk, connection)
    except ValueError:
        return None
    columns = columns_of(model, connection)
    sql = _READS.get((model, alias))
    if sql is None:
        quote = connection.ops.quote_name
        sql = _READS[model, alias] = _READ.format(
            columns=columns.sql,
            table=quote(model._meta.db_table),
            pk=quote(model._meta.pk.column),
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    return None if row is None else columns.instance(model, alias, row)
