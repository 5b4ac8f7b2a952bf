from channels.generic.websocket import AsyncJsonWebsocketConsumer

# Close codes in the 4000-4999 range are application-defined (RFC 6455).
CLOSE_UNAUTHENTICATED = 4401


class AuthenticatedJsonConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: refuses connections whose scope carries no authenticated user."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()


class HealthConsumer(AuthenticatedJsonConsumer):
    """`ws/health/`: lets clients check that their token works over WebSocket.

    Answers `{"type": "ping"}` with `{"type": "pong", "user": <id>}`.
    """

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "user": self.scope["user"].pk})
        else:
            await self.send_json({"type": "error", "detail": "Unknown message type."})

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None
