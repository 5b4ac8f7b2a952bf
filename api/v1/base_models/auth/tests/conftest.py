"""Fixtures of the authentication tests (the shared ones live in the root conftest.py)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .helpers import LOGIN_URL


@pytest.fixture
def totp_device(user):
    """A confirmed TOTP device: the user's logins now ask for a code."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def login(api_client):
    """login(username, password, **extra) -> the response of the password login."""

    def post(username, password, **extra):
        return api_client.post(LOGIN_URL, {"username": username, "password": password}, **extra)

    return post


@pytest.fixture
def signal_receiver():
    """signal_receiver(signal) -> a list that collects the keyword arguments of each send."""
    connected = []

    def connect(signal):
        calls = []

        def receiver(sender, **kwargs):
            calls.append({"sender": sender, **kwargs})

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return calls

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)
