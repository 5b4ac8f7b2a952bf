"""Authentication of WebSocket connections (Channels).

Browsers cannot set headers on a WebSocket handshake, so the access token may come as
subprotocols or in the query string; servers may send headers. In order of precedence:

- `Authorization: Bearer <access token>` header; the subprotocols `bearer` and the
  token (`new WebSocket(url, ["bearer", token])`: the server accepts the handshake with
  the subprotocol `bearer`, and the token stays out of URLs and access logs); or
  `?token=<access token>`;
- `X-API-Key: <key>` header, or `?api_key=<key>`;
- without any of these, the Django session of the cookie (a staff member signed in to
  the Admin, in the same browser).

The connection's `scope["user"]` is the authenticated user, or AnonymousUser when no
valid credential was given (consumers decide whether to refuse); a credential that is
given but invalid is not replaced by the session. `scope["subprotocol"]` is the
subprotocol to accept the handshake with (`bearer`, or None). `scope["api_key"]` is
the UserAPIKey that authenticated the connection, None otherwise: a consumer that lets
clients change data must refuse those changes when `scope["api_key"].read_only` (the
middleware cannot tell reads from writes in a socket's messages). Connecting with a
key counts as a use of it (`last_used_at`).

OriginValidator refuses browsers on pages of other sites (cross-site WebSocket
hijacking) and lets through clients that send no Origin header: browsers always send
one, servers and command-line clients usually do not.
"""

from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator as ChannelsOriginValidator
from channels.sessions import SessionMiddlewareStack
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from .authentication import JWTAuthentication, authenticate_api_key

BEARER_SUBPROTOCOL = "bearer"


def _subprotocol_token(scope) -> str | None:
    """The token that follows the subprotocol `bearer` (["bearer", token])."""
    offered = list(scope.get("subprotocols") or ())
    if BEARER_SUBPROTOCOL in offered[:-1]:
        return offered[offered.index(BEARER_SUBPROTOCOL) + 1] or None
    return None


def _credentials(scope) -> tuple[str | None, str | None]:
    headers = {
        name.decode("latin1").lower(): value.decode("latin1")
        for name, value in scope.get("headers", [])
    }
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    access = None
    authorization = headers.get("authorization", "")
    keyword, _sep, value = authorization.partition(" ")
    if keyword.lower() == "bearer" and value:
        access = value.strip()
    access = access or _subprotocol_token(scope) or (query.get("token") or [None])[0]
    api_key = headers.get("x-api-key") or (query.get("api_key") or [None])[0]
    return access, api_key


@database_sync_to_async
def _authenticate(access: str | None, api_key: str | None):
    """(user, UserAPIKey or None): AnonymousUser and None without a valid credential."""
    if access:
        authenticator = JWTAuthentication()
        try:
            return authenticator.get_user(authenticator.get_validated_token(access)), None
        except (InvalidToken, TokenError, AuthenticationFailed):
            return AnonymousUser(), None
    if api_key:
        try:
            return authenticate_api_key(api_key)
        except AuthenticationFailed:
            return AnonymousUser(), None
    return AnonymousUser(), None


class TokenAuthMiddleware(BaseMiddleware):
    """Sets scope["user"], scope["api_key"] and scope["subprotocol"]; runs inside
    Channels' session middleware (`auth_middleware_stack`)."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        access, api_key = _credentials(scope)
        if access or api_key or "session" not in scope:
            scope["user"], scope["api_key"] = await _authenticate(access, api_key)
        else:
            scope["user"], scope["api_key"] = await get_user(scope), None
        scope["subprotocol"] = BEARER_SUBPROTOCOL if _subprotocol_token(scope) else None
        return await super().__call__(scope, receive, send)


def auth_middleware_stack(application):
    """The session (cookie), then the credentials above, in front of `application`."""
    return SessionMiddlewareStack(TokenAuthMiddleware(application))


class OriginValidator(ChannelsOriginValidator):
    def valid_origin(self, parsed_origin):
        return parsed_origin is None or super().valid_origin(parsed_origin)


def allowed_hosts_origin_validator(application):
    """Origins must be one of ALLOWED_HOSTS, as for HTTP requests."""
    return OriginValidator(application, settings.ALLOWED_HOSTS)
