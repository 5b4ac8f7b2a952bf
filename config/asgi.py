"""ASGI entry point: HTTP (Django, DRF, Admin) and WebSocket (Channels) on one server."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

from core.asgi import get_asgi_application

# Django must be set up before anything imports models (the routing below does).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from api.v1.base_models.auth.websocket import (  # noqa: E402
    allowed_hosts_origin_validator,
    auth_middleware_stack,
)
from config.routing import websocket_urlpatterns  # noqa: E402
from core.metrics import CountedConnections  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": CountedConnections(
            allowed_hosts_origin_validator(auth_middleware_stack(URLRouter(websocket_urlpatterns))),
            websocket_urlpatterns,
        ),
    }
)
