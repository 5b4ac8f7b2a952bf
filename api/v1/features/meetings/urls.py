from django.urls import path

from api.v1.routers import Router

from . import views

router = Router()
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [
    *router.urls,
    path(
        "webhooks/video/<slug:provider>/",
        views.VideoWebhookView.as_view(),
        name="video-webhook",
    ),
]
