"""Inserting many rows at once the fastest way the database offers.

On PostgreSQL, many rows go in by COPY, a fraction of the cost of a multi-row INSERT
(whose every value the driver adapts one by one into arrays, and the server unpacks);
elsewhere, and for a few rows, records by bulk_create and rows of values by one INSERT
run for each row (executemany). The bulk paths (audit.bulk: imports,
audit rows, tags) write through here:

    from core import copying

    copying.insert(products)            # new instances of one model, given their pks
    copying.insert_rows(TaggedItem, ["content_type_id", "object_id", "tag_id"], rows)

What a save would prepare is prepared (each field's pre_save: defaults, auto_now
times; get_db_prep_save), and no signal is sent, as with bulk_create.
"""

from dataclasses import dataclass

from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin

# From this many rows on, PostgreSQL gets them by COPY.
COPY_FROM = 100

# Fields of exactly these classes store values of exactly these types as they are: their
# get_db_prep_save would give them back unchanged, so it is not asked, once per cell.
# Subclasses (an encrypted text, say) and other values are always asked.
_TEXT, _NUMBER, _FLAG = (
    frozenset({str, type(None)}),
    frozenset({int, type(None)}),
    frozenset({bool, type(None)}),
)
PLAIN = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.SlugField: _TEXT,
    models.EmailField: _TEXT,
    models.IntegerField: _NUMBER,
    models.BigIntegerField: _NUMBER,
    models.SmallIntegerField: _NUMBER,
    models.PositiveIntegerField: _NUMBER,
    models.PositiveSmallIntegerField: _NUMBER,
    models.PositiveBigIntegerField: _NUMBER,
    models.AutoField: _NUMBER,
    models.BigAutoField: _NUMBER,
    models.BooleanField: _FLAG,
}


def _stored_as_is(field) -> frozenset:
    """The types of value `field` stores as they are (a foreign key: as its target)."""
    if type(field) is models.ForeignKey:
        field = field.target_field
    return PLAIN.get(type(field), frozenset())


def by_copy(connection, count: int) -> bool:
    return connection.vendor == "postgresql" and count >= COPY_FROM


def insert(records: list, *, using: str | None = None, batch_size: int = 500) -> list:
    """Insert new instances of one model; each gets its primary key (reserved from the
    table's sequence first, when COPY writes them) and is marked saved."""
    prepared = prepare(records, using=using)
    if prepared is not None:
        return write(prepared)
    if records:
        model = type(records[0])
        model._default_manager.db_manager(using or router.db_for_write(model)).bulk_create(
            records, batch_size=batch_size
        )
    return records


@dataclass
class Prepared:
    """New records made ready for COPY (prepare): their keys reserved, their rows built."""

    using: str
    table: str
    columns: list[str]
    records: list
    rows: list


def prepare(records: list, *, using: str | None = None) -> Prepared | None:
    """What `insert` does before it writes by COPY: each record's key reserved from the
    table's sequence (outside any transaction, as sequences are), its row built (each
    field's pre_save and get_db_prep_save); None where `insert` does not write by COPY.
    Apart from `write`, so that a pipeline (core.db.pipeline) prepares a batch while
    the one before it is written."""
    if not records:
        return None
    model = type(records[0])
    using = using or router.db_for_write(model)
    connection = connections[using]
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    if not by_copy(connection, len(records)) or not _copyable(model, fields, records):
        return None
    _reserve_keys(connection, model, [each for each in records if each.pk is None])
    as_is = [_stored_as_is(field) for field in fields]
    rows = []
    for record in records:
        record._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for field, types in zip(fields, as_is, strict=True):
            value = field.pre_save(record, True)
            if type(value) not in types:
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        rows.append(row)
    columns = [field.column for field in fields]
    return Prepared(using, model._meta.db_table, columns, records, rows)


def write(prepared: Prepared) -> list:
    """COPY the prepared records (prepare) in; they are marked saved."""
    _copy(connections[prepared.using], prepared.table, prepared.columns, prepared.rows)
    for record in prepared.records:
        record._state.adding = False
        record._state.db = prepared.using
    return prepared.records


def insert_rows(
    model, attnames: list[str], rows: list, *, using: str | None = None, prepared=None
) -> None:
    """Insert rows of values (lists, in the order of `attnames`, the fields' attribute
    names; the other columns take their database default: the primary key its next
    value); nothing is returned. Each value goes through its field's get_db_prep_save
    (but those stored as they are), or, by COPY, only those of the fields named in
    `prepared` (the others are what psycopg takes as they are: texts, numbers, aware
    times)."""
    if not rows:
        return
    using = using or router.db_for_write(model)
    connection = connections[using]
    fields = {field.attname: field for field in model._meta.concrete_fields}
    fields = [fields[name] for name in attnames]
    if not by_copy(connection, len(rows)):
        _insert_many(connection, model._meta.db_table, fields, rows)
        return
    preparing = [
        (index, field, _stored_as_is(field) if prepared is None else frozenset())
        for index, field in enumerate(fields)
        if prepared is None or field.attname in prepared
    ]
    for row in rows:
        for index, field, types in preparing:
            if type(row[index]) not in types:
                row[index] = field.get_db_prep_save(row[index], connection)
    _copy(connection, model._meta.db_table, [field.column for field in fields], rows)


def _copyable(model, fields, records) -> bool:
    """COPY writes every value itself, into one table: no field may need the database
    to fill it in, a missing primary key must come from the table's sequence, and the
    model may not spread over its parents' tables (bulk_create refuses those)."""
    if model._meta.parents or any(field.db_default is not models.NOT_PROVIDED for field in fields):
        return False
    numbered = isinstance(model._meta.pk, AutoFieldMixin)
    return numbered or all(each.pk is not None for each in records)


def _reserve_keys(connection, model, records: list) -> None:
    if not records:
        return
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk.column, len(records)],
        )
        for record, (value,) in zip(records, cursor.fetchall(), strict=True):
            setattr(record, pk.attname, value)


def _insert_many(connection, table: str, fields: list, rows) -> None:
    """One INSERT statement the driver runs for every row (executemany), each value
    prepared by its field as a save would (but those stored as they are): no model
    instance per row, no statement compiled per row. On SQLite every value is prepared,
    `prepared` or not: its driver would store an aware time as text unlike Django's."""
    preparing = [(field, _stored_as_is(field)) for field in fields]
    values = [
        [
            value if type(value) in types else field.get_db_prep_save(value, connection)
            for value, (field, types) in zip(row, preparing, strict=True)
        ]
        for row in rows
    ]
    quote = connection.ops.quote_name
    # Names of the model's table and columns, quoted; the values are parameters.
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(statement, values)


def _copy(connection, table: str, columns: list[str], rows) -> None:
    quote = connection.ops.quote_name
    statement = "COPY {} ({}) FROM STDIN".format(
        quote(table), ", ".join(quote(column) for column in columns)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
