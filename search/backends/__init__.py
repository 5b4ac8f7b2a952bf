"""Search backends: where the index lives and how it is asked.

`get_backend()` answers the configured one: the database (search.backends.database,
PostgreSQL full-text search or SQLite FTS5) by default. Every backend takes the same
requests (search.backends.base) and answers the same results.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SearchBackend, SearchUnavailable  # noqa: F401


@cache
def get_backend() -> SearchBackend:
    return import_string(settings.SEARCH_BACKEND)()
