"""`field__any=values`: `field__in=values` sent to PostgreSQL as one array parameter.

`__in` with a list writes one placeholder per value, each value prepared by the field,
then quoted into the statement by the client and parsed by the server: a batch of 1,000
keys (the tags of a page or of an export's chunk, the records an import's batch refers
to) costs three times the same query with `= ANY(%s)` and the values as one array, and
integer keys are sent as the text of one array without a preparation each. Elsewhere,
and with a subquery or expressions on the right, it is `__in` itself.
"""

from django.core.exceptions import FieldError
from django.db.models import Field, ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _AnyOf:
    lookup_name = "any"

    def get_prep_lookup(self):
        if self.rhs_is_direct_value() and self._integers(self.rhs):
            return self.rhs  # as the field would prepare them, see as_sql
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        if values and self._integers(values):
            # Of the column's own type: with another, PostgreSQL may not use its index.
            array = f"{self._integer_field().cast_db_type(connection)}[]"
            return f"{lhs} = ANY(%s::{array})", (*lhs_params, _array_text(values))
        # The values as `__in` prepares them (none left: no rows).
        _placeholders, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(rhs_params))

    def _integers(self, values) -> bool:
        """`values` are integers (or None) of an integer field."""
        return (
            isinstance(values, list | set | tuple | frozenset | dict)
            and self._integer_field() is not None
            and all(type(value) is int or value is None for value in values)
        )

    def _integer_field(self):
        """The integer field compared (a foreign key's target), or None."""
        field = getattr(self.lhs, "output_field", None)
        if field is not None and field.is_relation:
            try:
                field = field.target_field  # a foreign key's values are its target's
            except FieldError:  # a foreign key of several columns
                return None
        # Django's integer fields, automatic keys included, are IntegerFields.
        return field if isinstance(field, IntegerField) else None


@Field.register_lookup
class AnyOf(_AnyOf, In):
    pass


@ForeignObject.register_lookup
class RelatedAnyOf(_AnyOf, RelatedIn):
    """`foreign_key__any=keys` (a foreign key of one column)."""

    def as_sql(self, compiler, connection):
        if len(self.lhs.output_field.foreign_related_fields) != 1:
            return RelatedIn.as_sql(self, compiler, connection)
        return super().as_sql(compiler, connection)


def _array_text(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"
