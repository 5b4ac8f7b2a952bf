from datetime import timedelta

import pytest
from django.utils import timezone

from rbac.roles import ROLE_NAMES

from .standin import HOST, closed_port

MEETINGS = "/api/v1/meetings/"
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _nothing_leaves(settings, monkeypatch):
    """Jitsi on meet.jit.si (no call is made to it) and every provider URL on a loopback
    port nothing serves: a test that forgets its stand-in cannot reach anything."""
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    nowhere = f"http://{HOST}:{closed_port()}"
    settings.MEETING_PROVIDER = "jitsi"
    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {}
    settings.ZOOM_OAUTH_URL = f"{nowhere}/oauth/token"
    settings.ZOOM_API_BASE = f"{nowhere}/v2"
    settings.ZOOM_TIMEOUT = 5.0


@pytest.fixture
def people(org_a, org_b, member_of, jwt_client):
    """In A: ann (administrator), bob and cat (members), vic (a viewer); eve
    administers B. {name: (user, client)}."""
    users = {
        "ann": member_of(org_a, ROLE_NAMES["administrator"], username="ann", email="ann@a.example"),
        "bob": member_of(org_a, ROLE_NAMES["member"], username="bob", email="bob@a.example"),
        "cat": member_of(org_a, ROLE_NAMES["member"], username="cat", email="cat@a.example"),
        "vic": member_of(org_a, ROLE_NAMES["viewer"], username="vic", email="vic@a.example"),
        "eve": member_of(org_b, ROLE_NAMES["administrator"], username="eve", email="eve@b.example"),
    }
    return {name: (user, jwt_client(user)) for name, user in users.items()}


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def payload(org, **fields) -> dict:
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return {
        "organization": org.pk,
        "topic": "Budget review",
        "agenda": "Numbers for Q1.",
        "start_time": iso(start),
        "end_time": iso(start + timedelta(hours=1)),
        **fields,
    }


def schedule(client, org, **fields):
    response = client.post(MEETINGS, payload(org, **fields), format="json")
    assert response.status_code == 201, response.content
    return response.json()
