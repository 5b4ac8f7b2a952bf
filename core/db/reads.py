"""A record by its primary key, in SQL written once per process.

`Model.objects.get(pk=...)` builds and compiles a query each time: for a row read on
every request (the user of a token) that takes longer than the database answering it.
`get_by_pk` writes the SELECT of the model's columns once per database, and loads the
row as the ORM does: the same database converters, `Model.from_db`, signals included.
It reads the table itself: a default manager that filters rows is not applied, so use
it for models whose default manager does not.
"""

from django.core.exceptions import ValidationError
from django.db import connections, router

_READ = "SELECT {columns} FROM {table} WHERE {pk} = %s"
# {(model, database alias): (statement, attnames, [(index, converters)])}
_READS: dict = {}


def _statement(model, connection):
    key = (model, connection.alias)
    compiled = _READS.get(key)
    if compiled is None:
        fields = model._meta.concrete_fields
        quote = connection.ops.quote_name
        sql = _READ.format(
            columns=", ".join(quote(field.column) for field in fields),
            table=quote(model._meta.db_table),
            pk=quote(model._meta.pk.column),
        )
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, column, found))
        compiled = _READS[key] = (sql, [field.attname for field in fields], converters)
    return compiled


def get_by_pk(model, pk):
    """The instance of `model` whose primary key is `pk`, or None (none, or `pk` is not
    a value of the key's type)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    try:
        value = model._meta.pk.get_db_prep_value(pk, connection, prepared=False)
    except (TypeError, ValueError, ValidationError):
        return None
    sql, attnames, converters = _statement(model, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, column, found in converters:
        for converter in found:
            row[index] = converter(row[index], column, connection)
    return model.from_db(alias, attnames, row)
