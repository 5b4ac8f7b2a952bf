"""PostgreSQL: Django's backend with django-prometheus's query metrics, reading
`timestamptz` columns with psycopg's C loader.

Django loads `timestamptz` values with a subclass of psycopg's pure-Python loader (to
give them the connection's time zone, or none without USE_TZ), about 10 µs per value
where psycopg's C loader takes 1: a list of 100 records reads two or more date-times
each, an export of 100,000 records 200,000 (bench/data_jobs.py). `TimestamptzLoader`
here gives the same values through the C loader (where psycopg-binary is installed;
its Python loader otherwise).
"""

import datetime

from django_prometheus.db.backends.postgresql import base
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ = types["timestamptz"].oid
# psycopg's own loader of timestamptz text, in C where it is installed.
_LOADER = adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


class TimestamptzLoader(Loader):
    """Django's loader (django.db.backends.postgresql.psycopg_any.BaseTzLoader): the
    value as psycopg reads it in the session's time zone, with `timezone` as its tzinfo
    (None: naive). In a UTC session with `timezone` UTC, psycopg's value is that
    already, and its loader is used as it is."""

    timezone = None

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        load = _LOADER(oid, context).load
        if self.timezone is datetime.UTC and self._session_zone() == b"UTC":
            self.load = load
        else:
            self._load = load

    def _session_zone(self):
        return self.connection.pgconn.parameter_status(b"TimeZone") if self.connection else None

    def load(self, data):
        return self._load(data).replace(tzinfo=self.timezone)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # In place of Django's loader; as its own, of the connection's time zone (Django's
        # create_cursor compares that with its own before it puts another on a cursor).
        zone = self.timezone
        loader = type("ZonedTimestamptzLoader", (TimestamptzLoader,), {"timezone": zone})
        connection.adapters.register_loader(TIMESTAMPTZ, loader)
        return connection
