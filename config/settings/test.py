"""Test settings: the embedded default, or PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, REDIS_URL, VAR_DIR

DEBUG = False

# Concrete models that exercise the abstract models of core (tests/testapp); installed
# before the demo data app, which stays the last app as in every other setting (an app
# without models: what runs after the last app's migrations must not count on it).
_DEMO = INSTALLED_APPS.index("api.demo.apps.DemoConfig")
INSTALLED_APPS = [
    *INSTALLED_APPS[:_DEMO],
    "tests.testapp.apps.TestAppConfig",
    *INSTALLED_APPS[_DEMO:],
]

# An in-memory SQLite test database, as Django makes for its own engine (pytest-django
# would otherwise derive a file name for each xdist worker from the metrics wrapper's).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405

# Hashing passwords with PBKDF2 dominates the run time of an API test suite.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Celery tasks run in-process, through the real task code and serialisation (a
# benchmark serving these settings queues them instead, as production does).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "true") == "true"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_STORE_EAGER_RESULT = False

# Static files straight from the apps' folders, as in development (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"

# pytest-xdist: each worker gets its own database (pytest-django suffixes its name) and
# its own Redis database, since tests clear the cache (FLUSHDB) and use channel groups.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _WORKER.startswith("gw"):
    _parts = urlsplit(REDIS_URL)
    _db = (int(_parts.path.strip("/") or 0) + int(_WORKER[2:])) % 16
    _WORKER_REDIS_URL = urlunsplit(_parts._replace(path=f"/{_db}"))
    CACHES["default"]["LOCATION"] = _WORKER_REDIS_URL  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = _WORKER_REDIS_URL  # noqa: F405

# The project's URLs and the test app's worked example (tests/urls.py).
ROOT_URLCONF = "tests.urls"
