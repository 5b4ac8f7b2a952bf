from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("chat/rooms", views.ChatRoomViewSet, basename="chat-room")
router.register("chat/messages", views.ChatMessageViewSet, basename="chat-message")
router.register(
    r"chat/rooms/(?P<room_pk>[^/.]+)/messages",
    views.RoomMessageViewSet,
    basename="chat-room-message",
)

urlpatterns = router.urls
