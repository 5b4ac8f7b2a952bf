"""Production settings: refuse to start unless the deployment is configured safely.

Required environment: DJANGO_SECRET_KEY (50+ random characters), DJANGO_ALLOWED_HOSTS,
DATABASE_URL, REDIS_URL. See README.md for the full list.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_SECRET_KEY, LOGGING, SECRET_KEY, STORAGES, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

# One JSON object per line for the log collector, unless DJANGO_LOG_FORMAT says plain,
# Celery's worker and beat included (they would otherwise put their own handler on the
# root logger, in their own format).
LOGGING["handlers"]["console"]["formatter"] = env.str("DJANGO_LOG_FORMAT", default="json")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

if (
    not SECRET_KEY
    or SECRET_KEY == INSECURE_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a unique, unpredictable value of at least "
        "50 characters (for example: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))')."
    )

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS: TLS is terminated by the load balancer in front of the app.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes and scrapers speak plain HTTP to the containers, behind the proxy.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
