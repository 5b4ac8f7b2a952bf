"""The one URL tree of API v1. Each app contributes its own urls module."""

from importlib import import_module

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


def spliced(*modules: str) -> list:
    """The URL patterns of these modules, in order, as if each were included at the
    root of the API (their paths begin with their own prefixes). Django tries every
    pattern of an include before giving up on it, and building the error of each
    include it passes costs more than matching its patterns: one list is resolved in
    half the time."""
    return [pattern for module in modules for pattern in import_module(module).urlpatterns]


urlpatterns = [
    path("health/live/", LiveView.as_view(), name="health-live"),
    path("health/ready/", ReadyView.as_view(), name="health-ready"),
    path("health/", HealthView.as_view(), name="health"),
    path("auth/", include("api.v1.base_models.auth.urls")),
    *spliced(
        "api.v1.base_models.user.urls",
        "api.v1.base_models.common.urls",
        "api.v1.base_models.organization.urls",
        "api.v1.base_models.contact.urls",
        "api.v1.base_models.files.urls",
        "api.v1.features.products.urls",
        "api.v1.features.inventory.urls",
        "api.v1.features.documents.urls",
        "api.v1.features.collaboration.urls",
        "api.v1.features.chat.urls",
        "api.v1.features.meetings.urls",
        "api.v1.features.data_jobs.urls",
        "api.v1.features.automation.urls",
        "rbac.urls",
        "audit.urls",
        "notifications.urls",
        "search.urls",
    ),
    *router.urls,
]
