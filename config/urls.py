"""Top-level URLs: the versioned API, its schema and docs, and the Admin."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from core.views import SchemaView, metrics_view, unknown_api_path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.v1.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("metrics", metrics_view, name="metrics"),
]

# Uploaded files are served by the app only in development; production puts them
# behind the web server or object storage.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Any other path under api/ is an unknown endpoint: JSON 404, with DEBUG on or off.
# Only paths ending in a slash, so that CommonMiddleware still redirects a known path
# written without its trailing slash.
urlpatterns.append(re_path(r"^api/(?P<path>(?:[\s\S]*/)?)$", unknown_api_path))

# Unknown API paths and unhandled errors answer JSON like the rest of the API.
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
