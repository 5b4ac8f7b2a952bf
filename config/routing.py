"""WebSocket URL routes of every app, served by config.asgi."""

from api.v1.features.chat.routing import websocket_urlpatterns as chat_websocket_urlpatterns
from core.routing import websocket_urlpatterns as core_websocket_urlpatterns
from notifications.routing import websocket_urlpatterns as notifications_websocket_urlpatterns

websocket_urlpatterns = [
    *core_websocket_urlpatterns,
    *notifications_websocket_urlpatterns,
    *chat_websocket_urlpatterns,
]
