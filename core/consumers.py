from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .inputs import describe_path, json_problem

# Close codes in the 4000-4999 range are application-defined (RFC 6455).
CLOSE_UNAUTHENTICATED = 4401


CLOSE_UNAUTHENTICATED_REASON = "Authentication credentials were missing or invalid."


class AuthenticatedJsonConsumer(AsyncJsonWebsocketConsumer):
    """Base consumer: refuses connections whose scope carries no authenticated user.

    The handshake is accepted and the socket at once closed with code 4401 and a
    reason: a client (a browser included, which sees no HTTP status of a refused
    handshake) learns why, and can tell it from a network failure."""

    closed = False

    async def close(self, code=None, reason=None):
        """Close once; from then on nothing is sent (a client may still send frames
        before it reads the close, and an answer after it would be an ASGI error)."""
        if not self.closed:
            self.closed = True
            await super().close(code=code, reason=reason)

    async def send(self, text_data=None, bytes_data=None, close=False):
        if not self.closed:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def connect(self):
        # A client that sent its token as subprotocols must get one of them back, or a
        # browser fails the handshake without seeing the reason.
        await self.accept(subprotocol=self.scope.get("subprotocol"))
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=CLOSE_UNAUTHENTICATED_REASON)

    async def dispatch(self, message):
        """Hands `message` to its handler, as Channels does, without first closing the
        database connections that outlived their age: Channels does that before every
        message, a hop to the one thread that runs database work, so a message to a
        room of 100 would queue 100 hops behind the writes. Every database access of a
        consumer goes through `database_sync_to_async`, which does it around each call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """A message that is not JSON, or holds what cannot be stored (core.inputs), is
        answered with an error and goes no further, as a request body would. Frames
        that come after the close are dropped."""
        if self.closed:
            return
        if text_data is None:
            await self.send_json({"type": "error", "detail": "Send JSON in text frames."})
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self.send_json({"type": "error", "detail": "The message is not valid JSON."})
            return
        problem = json_problem(content)
        if problem is not None:
            path, reason = problem
            where = f" (at {describe_path(path)})" if path else ""
            await self.send_json({"type": "error", "detail": f"{reason[:-1]}{where}."})
            return
        await self.receive_json(content, **kwargs)


class HealthConsumer(AuthenticatedJsonConsumer):
    """`ws/health/`: lets clients check that their token works over WebSocket.

    Answers `{"type": "ping"}` with `{"type": "pong", "user": <id>}`.
    """

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "user": self.scope["user"].pk})
        else:
            await self.send_json({"type": "error", "detail": "Unknown message type."})
