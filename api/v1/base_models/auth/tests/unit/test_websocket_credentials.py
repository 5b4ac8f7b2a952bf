"""Where the WebSocket middleware finds credentials in a connection scope."""

import pytest

from api.v1.base_models.auth.websocket import _credentials


def scope(query=b"", headers=(), subprotocols=()):
    return {
        "type": "websocket",
        "query_string": query,
        "headers": list(headers),
        "subprotocols": list(subprotocols),
    }


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        (scope(), (None, None)),
        (scope(b"token=abc"), ("abc", None)),
        (scope(headers=[(b"authorization", b"Bearer abc")]), ("abc", None)),
        (scope(headers=[(b"Authorization", b"bearer abc")]), ("abc", None)),
        (scope(headers=[(b"authorization", b"Bearer  abc ")]), ("abc", None)),
        (scope(headers=[(b"authorization", b"Basic abc")]), (None, None)),
        (scope(headers=[(b"authorization", b"Bearer")]), (None, None)),
        (scope(b"api_key=p.s"), (None, "p.s")),
        (scope(headers=[(b"x-api-key", b"p.s")]), (None, "p.s")),
        (scope(headers=[(b"X-Api-Key", b"p.s")]), (None, "p.s")),
        (scope(b"api_key=query.key", [(b"x-api-key", b"header.key")]), (None, "header.key")),
        (scope(b"token=query", [(b"authorization", b"Bearer header")]), ("header", None)),
        (scope(b"token=a&api_key=p.s"), ("a", "p.s")),
        (scope(b"token="), (None, None)),
        (scope(subprotocols=["bearer", "abc"]), ("abc", None)),
        (scope(subprotocols=["chat", "bearer", "abc"]), ("abc", None)),
        (scope(subprotocols=["bearer"]), (None, None)),
        (scope(subprotocols=["abc", "bearer"]), (None, None)),
        (scope(subprotocols=["bearer", ""]), (None, None)),
        (scope(b"token=query", subprotocols=["bearer", "sub"]), ("sub", None)),
        (
            scope(subprotocols=["bearer", "sub"], headers=[(b"authorization", b"Bearer h")]),
            ("h", None),
        ),
    ],
)
def test_credentials(connection, expected):
    assert _credentials(connection) == expected


def test_a_scope_without_query_string_or_headers():
    assert _credentials({"type": "websocket"}) == (None, None)
