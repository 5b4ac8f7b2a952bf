from channels.generic.websocket import AsyncJsonWebsocketConsumer

# Close codes in the 4000-4999 range are application-defined (RFC 6455).
CLOSE_UNAUTHENTICATED = 4401


CLOSE_UNAUTHENTICATED_REASON = "Authentication credentials were missing or invalid."


class AuthenticatedJsonConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: refuses connections whose scope carries no authenticated user.

    The handshake is accepted and the socket at once closed with code 4401 and a
    reason: a client (a browser included, which sees no HTTP status of a refused
    handshake) learns why, and can tell it from a network failure."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=CLOSE_UNAUTHENTICATED_REASON)
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
