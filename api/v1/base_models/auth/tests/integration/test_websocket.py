"""WebSocket authentication through the real ASGI application (config.asgi, ws/health/)."""

from urllib.parse import urlencode

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from api.v1.base_models.auth.services import change_password, tokens_for
from api.v1.base_models.user.tests.factories import UserFactory
from config.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")
CLOSE_UNAUTHENTICATED = 4401


def communicator(query=None, headers=(), subprotocols=None):
    path = "/ws/health/"
    if query:
        path += "?" + urlencode(query)
    return WebsocketCommunicator(
        application, path, headers=[ORIGIN, *headers], subprotocols=subprotocols
    )


async def ping(comm):
    await comm.send_json_to({"type": "ping"})
    return await comm.receive_json_from(timeout=2)


async def assert_refused(comm):
    """Accepted, then closed at once with 4401 and a reason (as docs/api.md says)."""
    connected, _subprotocol = await comm.connect(timeout=2)
    assert connected is True
    assert await comm.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
        "reason": "Authentication credentials were missing or invalid.",
    }


# Database work happens in (synchronous) fixtures: the ORM refuses async contexts.
@pytest.fixture
def access(user):
    return tokens_for(user)["access"]


@pytest.fixture
def key(user, api_key_for):
    return api_key_for(user)[1]


async def test_access_token_in_the_query_string(user, access):
    comm = communicator({"token": access})

    connected, _subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert await ping(comm) == {"type": "pong", "user": user.pk}
    await comm.disconnect()


async def test_bearer_authorization_header(user, access):
    comm = communicator(headers=[(b"authorization", f"Bearer {access}".encode())])

    connected, _subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert await ping(comm) == {"type": "pong", "user": user.pk}
    await comm.disconnect()


async def test_access_token_as_subprotocols(user, access):
    """A browser's `new WebSocket(url, ["bearer", token])`: the handshake's answer
    names the subprotocol `bearer` (a browser fails a handshake without it)."""
    comm = communicator(subprotocols=["bearer", access])

    connected, subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert subprotocol == "bearer"
    assert await ping(comm) == {"type": "pong", "user": user.pk}
    await comm.disconnect()


async def test_a_bad_token_as_subprotocols_is_refused_with_the_subprotocol():
    comm = communicator(subprotocols=["bearer", "garbage"])

    connected, subprotocol = await comm.connect(timeout=2)

    assert (connected, subprotocol) == (True, "bearer")
    assert (await comm.receive_output(timeout=2))["code"] == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("subprotocols", [["bearer"], ["chat"], ["chat", "bearer"]])
async def test_subprotocols_without_a_token(subprotocols):
    await assert_refused(communicator(subprotocols=subprotocols))


@pytest.fixture
def session_cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def test_the_session_of_a_signed_in_browser(user, session_cookie):
    """The Admin's staff, signed in, connect with their session cookie."""
    comm = communicator(headers=[session_cookie])

    connected, _subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert await ping(comm) == {"type": "pong", "user": user.pk}
    await comm.disconnect()


async def test_a_bad_token_does_not_fall_back_to_the_session(session_cookie):
    await assert_refused(communicator({"token": "garbage"}, headers=[session_cookie]))


async def test_an_unknown_session_is_anonymous():
    await assert_refused(communicator(headers=[(b"cookie", b"sessionid=nosuchsession")]))


async def test_api_key_header(user, key):
    comm = communicator(headers=[(b"x-api-key", key.encode())])

    connected, _subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert await ping(comm) == {"type": "pong", "user": user.pk}
    await comm.disconnect()


async def test_api_key_in_the_query_string(user, key):
    comm = communicator({"api_key": key})

    connected, _subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert await ping(comm) == {"type": "pong", "user": user.pk}
    await comm.disconnect()


@pytest.fixture
def other_access(db):
    return tokens_for(UserFactory())["access"]


async def test_the_header_token_wins_over_the_query_string(user, access, other_access):
    comm = communicator(
        {"token": other_access}, headers=[(b"authorization", f"Bearer {access}".encode())]
    )

    await comm.connect(timeout=2)

    assert (await ping(comm))["user"] == user.pk
    await comm.disconnect()


async def test_without_credentials():
    await assert_refused(communicator())


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ({"token": "garbage"}, []),
        ({}, [(b"authorization", b"Bearer garbage")]),
        ({"api_key": "nope.nope"}, []),
        ({}, [(b"x-api-key", b"nope.nope")]),
    ],
)
async def test_bad_credentials(query, headers):
    await assert_refused(communicator(query, headers))


@pytest.fixture
def refresh(user):
    return tokens_for(user)["refresh"]


async def test_a_refresh_token_is_not_an_access_token(refresh):
    await assert_refused(communicator({"token": refresh}))


@pytest.fixture
def inactive_users_access(db):
    return tokens_for(UserFactory(is_active=False))["access"]


async def test_token_of_an_inactive_user(inactive_users_access):
    await assert_refused(communicator({"token": inactive_users_access}))


@pytest.fixture
def access_before_password_change(user, access):
    change_password(user, "a-brand-new-passphrase")
    return access


async def test_token_issued_before_a_password_change(access_before_password_change):
    await assert_refused(communicator({"token": access_before_password_change}))


async def test_a_bad_token_does_not_fall_back_to_a_valid_api_key(key):
    await assert_refused(communicator({"token": "garbage", "api_key": key}))


@pytest.fixture
def revoked_key(user, api_key_for):
    return api_key_for(user, revoked=True)[1]


async def test_revoked_api_key(revoked_key):
    await assert_refused(communicator({"api_key": revoked_key}))


async def test_a_foreign_origin_is_denied(access):
    comm = WebsocketCommunicator(
        application, f"/ws/health/?token={access}", headers=[(b"origin", b"http://evil.test")]
    )

    connected, _code = await comm.connect(timeout=2)

    assert connected is False


async def test_a_non_json_message(access):
    comm = communicator({"token": access})
    await comm.connect(timeout=2)

    await comm.send_to(text_data="this is not JSON")

    response = await comm.receive_json_from(timeout=2)
    assert response["type"] == "error"
    assert response["detail"]
    await comm.disconnect()


@pytest.mark.parametrize("message", [{"type": "dance"}, {}, ["ping"], "ping"])
async def test_an_unknown_message(access, message):
    comm = communicator({"token": access})
    await comm.connect(timeout=2)

    await comm.send_json_to(message)

    assert (await comm.receive_json_from(timeout=2))["type"] == "error"
    # The connection stays usable.
    assert (await ping(comm))["type"] == "pong"
    await comm.disconnect()


async def test_a_client_without_origin_header_is_let_through(user, access):
    """Servers and command-line clients send no Origin; only browsers are checked."""
    comm = WebsocketCommunicator(application, f"/ws/health/?token={access}")

    connected, _subprotocol = await comm.connect(timeout=2)

    assert connected is True
    assert (await ping(comm))["user"] == user.pk
    await comm.disconnect()


async def test_a_client_without_origin_header_still_needs_credentials():
    comm = WebsocketCommunicator(application, "/ws/health/")

    await assert_refused(comm)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            '{"type": "ping", "note": "a\\u0000b"}',
            "Null characters (U+0000) are not allowed (at note).",
        ),
        ('{"\\ud800": 1}', "Unpaired surrogate characters (U+D800) are not allowed (at \\ud800)."),
        ("[" * 5000 + "]" * 5000, None),
    ],
)
async def test_a_message_that_cannot_be_stored_is_refused(access, text, detail):
    comm = communicator({"token": access})
    await comm.connect(timeout=2)

    await comm.send_to(text_data=text)

    response = await comm.receive_json_from(timeout=2)
    assert response["type"] == "error"
    if detail is not None:
        assert response["detail"] == detail
    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from(timeout=2))["type"] == "pong"
    await comm.disconnect()


async def test_a_binary_frame_is_refused(access):
    comm = communicator({"token": access})
    await comm.connect(timeout=2)

    await comm.send_to(bytes_data=b"\x00\x01")

    assert await comm.receive_json_from(timeout=2) == {
        "type": "error",
        "detail": "Send JSON in text frames.",
    }
    await comm.disconnect()


async def test_frames_sent_after_the_close_are_dropped_quietly():
    """A client may send before it reads the close: the server answers nothing more
    (an answer after the close would be an ASGI error in the server)."""
    comm = WebsocketCommunicator(application, "/ws/health/")
    await assert_refused(comm)
    await comm.send_json_to({"type": "ping"})
    await comm.send_to(text_data="not json")
    assert await comm.receive_nothing(timeout=0.2)
    await comm.send_input({"type": "websocket.disconnect", "code": 1000})
    await comm.wait(timeout=2)  # ends cleanly: raises what the application raised
