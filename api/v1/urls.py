"""The one URL tree of API v1. Each app contributes its own urls module."""

from django.urls import include, path

from core.views import HealthView

app_name = "api-v1"

urlpatterns = [
    path("health/", HealthView.as_view(), name="health"),
    path("auth/", include("api.v1.base_models.auth.urls")),
    path("", include("api.v1.base_models.user.urls")),
    path("", include("api.v1.base_models.common.urls")),
]
