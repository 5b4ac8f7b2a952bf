from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [
    *router.urls,
    path(
        "webhooks/video/<slug:provider>/",
        views.VideoWebhookView.as_view(),
        name="video-webhook",
    ),
]
