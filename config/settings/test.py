"""Test settings: the embedded default, or PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, VAR_DIR

DEBUG = False

# Concrete models that exercise the abstract models of core (tests/testapp).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

# Hashing passwords with PBKDF2 dominates the run time of an API test suite.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Celery tasks run in-process, through the real task code and serialisation.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_STORE_EAGER_RESULT = False

# Static files straight from the apps' folders, as in development (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
