"""WebSocket URL routes of every app, served by config.asgi."""

from core.routing import websocket_urlpatterns as core_websocket_urlpatterns
from notifications.routing import websocket_urlpatterns as notifications_websocket_urlpatterns

websocket_urlpatterns = [
    *core_websocket_urlpatterns,
    *notifications_websocket_urlpatterns,
]
