"""The one URL tree of API v1. Each app contributes its own urls module."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api.base.tags import TagViewSet
from api.base.views import CustomFieldDefinitionViewSet
from core.views import HealthView, LiveView, ReadyView

router = SimpleRouter()
router.register(
    "custom-field-definitions", CustomFieldDefinitionViewSet, basename="custom-field-definition"
)
router.register("tags", TagViewSet, basename="tag")

app_name = "api-v1"

urlpatterns = [
    path("health/live/", LiveView.as_view(), name="health-live"),
    path("health/ready/", ReadyView.as_view(), name="health-ready"),
    path("health/", HealthView.as_view(), name="health"),
    path("auth/", include("api.v1.base_models.auth.urls")),
    path("", include("api.v1.base_models.user.urls")),
    path("", include("api.v1.base_models.common.urls")),
    path("", include("api.v1.base_models.organization.urls")),
    path("", include("api.v1.base_models.contact.urls")),
    path("", include("api.v1.base_models.files.urls")),
    path("", include("api.v1.features.products.urls")),
    path("", include("api.v1.features.inventory.urls")),
    path("", include("api.v1.features.documents.urls")),
    path("", include("api.v1.features.collaboration.urls")),
    path("", include("api.v1.features.chat.urls")),
    path("", include("api.v1.features.meetings.urls")),
    path("", include("api.v1.features.data_jobs.urls")),
    path("", include("api.v1.features.automation.urls")),
    path("", include("rbac.urls")),
    path("", include("audit.urls")),
    path("", include("notifications.urls")),
    path("", include("search.urls")),
    path("", include(router.urls)),
]
