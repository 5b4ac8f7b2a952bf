"""What every benchmark starts with: the project on the path, Django set up on a fresh
database in a temporary folder, and that database migrated.

    import common
    ARGS = common.start(__doc__, [("--rounds", {"type": int, "default": 15})])
    # ...imports of the project...
    with common.database():
        ...

The database is a fresh SQLite file (WAL, as the embedded default), or with
DATABASE_URL set a test database created on that server (`test_<name>`) and dropped
afterwards. Redis is left out unless a benchmark passes `redis_url`.
"""

import argparse
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(doc: str, arguments=(), *, sqlite_only: bool = False, redis_url=None):
    """Parse the command line (`arguments`: (flag, argparse options) pairs), then set
    Django up; returns the parsed arguments."""
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for flag, options in arguments:
        parser.add_argument(flag, **options)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sqlite = f"sqlite:///{workdir}/bench.sqlite3"
    if sqlite_only:
        os.environ["DATABASE_URL"] = sqlite
    else:
        os.environ.setdefault("DATABASE_URL", sqlite)
    redis = redis_url(args) if callable(redis_url) else None
    if redis:
        os.environ["REDIS_URL"] = redis
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_VAR_DIR"] = workdir

    import django

    django.setup()
    return args


@contextmanager
def database():
    """A migrated database: the SQLite file itself, or a test database on the server
    (SQLite test databases live in memory, which would hide the cost of writing)."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        yield connection.settings_dict["NAME"]
        return
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
