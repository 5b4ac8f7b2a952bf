"""SQLite: Django's backend with django-prometheus's query metrics, its cursor class
made once per connection.

django-prometheus's SQLite wrapper makes a new cursor class (counting and timing the
queries of the database's alias) for every cursor it opens: a class statement, about
25 µs, four times in a request of one record. The class is the same each time; here it
is made at the first cursor of a connection and kept.
"""

from django_prometheus.db.backends.sqlite3 import base
from django_prometheus.db.common import ExportingCursorWrapper


class DatabaseWrapper(base.DatabaseWrapper):
    _cursor_class = None

    def create_cursor(self, name=None):
        if self._cursor_class is None:
            self._cursor_class = ExportingCursorWrapper(self.CURSOR_CLASS, self.alias, self.vendor)
        return self.connection.cursor(factory=self._cursor_class)
