"""The provider interface: the meeting spec's rules, the registry, the choice of a
provider per organization, and the webhook helpers both providers use."""

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from api.v1.features.meetings.providers import (
    MeetingSpec,
    ProviderError,
    WebhookRejected,
    get_provider,
    provider_for,
)
from api.v1.features.meetings.providers.base import (
    check_freshness,
    from_milliseconds,
    header,
    json_object,
    require,
    text,
)
from api.v1.features.meetings.providers.jitsi import JitsiProvider
from api.v1.features.meetings.providers.zoom import ZoomProvider

START = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)


def test_a_spec_is_an_aware_span_in_a_known_time_zone():
    spec = MeetingSpec("Standup", START, START + timedelta(minutes=15), "Europe/Paris")
    assert spec.duration == timedelta(minutes=15)
    with pytest.raises(ValueError, match="aware"):
        MeetingSpec("Standup", datetime(2030, 1, 2, 9), START)
    with pytest.raises(ValueError, match="aware"):
        MeetingSpec("Standup", START, datetime(2030, 1, 2, 10))
    with pytest.raises(ValueError, match="end after"):
        MeetingSpec("Standup", START, START)
    with pytest.raises(ValueError, match="time zone"):
        MeetingSpec("Standup", START, START + timedelta(hours=1), "Mars/Olympus")
    with pytest.raises(ValueError, match="time zone"):
        MeetingSpec("Standup", START, START + timedelta(hours=1), "../etc/passwd")
    paris = START.astimezone(ZoneInfo("Europe/Paris"))
    assert MeetingSpec("Standup", paris, START + timedelta(hours=1)).duration == timedelta(hours=1)


def test_providers_by_name():
    assert isinstance(get_provider("jitsi"), JitsiProvider)
    assert isinstance(get_provider("zoom"), ZoomProvider)
    with pytest.raises(ImproperlyConfigured, match="'teams': choose one of jitsi, zoom"):
        get_provider("teams")


def test_an_organization_gets_its_own_provider_or_the_default(settings):
    acme, globex = SimpleNamespace(code="ACME"), SimpleNamespace(code="GLOBEX")
    assert isinstance(provider_for(acme), JitsiProvider)  # the embedded default

    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {"ACME": "zoom"}
    assert isinstance(provider_for(acme), ZoomProvider)
    assert isinstance(provider_for(globex), JitsiProvider)

    settings.MEETING_PROVIDER = "zoom"
    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {"GLOBEX": "jitsi"}
    assert isinstance(provider_for(acme), ZoomProvider)
    assert isinstance(provider_for(globex), JitsiProvider)

    settings.MEETING_PROVIDERS_BY_ORGANIZATION = {"ACME": "webex"}
    with pytest.raises(ImproperlyConfigured, match="webex"):
        provider_for(acme)


def test_errors_carry_what_the_caller_needs():
    error = ProviderError("zoom", "Zoom answered 404: gone", status=404, code="3001")
    assert (str(error), error.provider, error.status, error.code) == (
        "Zoom answered 404: gone",
        "zoom",
        404,
        "3001",
    )
    assert ProviderError("zoom", "timed out").status is None
    rejected = WebhookRejected("The signature does not match.", code=WebhookRejected.BAD_SIGNATURE)
    assert (str(rejected), rejected.code) == ("The signature does not match.", "bad_signature")


def test_headers_are_found_whatever_their_case():
    headers = {"X-Zm-Signature": "v0=abc", "content-type": "application/json"}
    assert header(headers, "x-zm-signature") == "v0=abc"
    assert header(headers, "Content-Type") == "application/json"
    assert header(headers, "x-jaas-signature") == ""


def test_freshness_within_the_tolerance_either_way(settings):
    now = int(time.time())
    check_freshness(str(now))
    check_freshness(str(now - 290))
    check_freshness(str(now + 290))
    for timestamp in (now - 310, now + 310):
        with pytest.raises(WebhookRejected) as rejected:
            check_freshness(str(timestamp))
        assert rejected.value.code == WebhookRejected.STALE
    settings.MEETING_WEBHOOK_TOLERANCE = timedelta(seconds=30)
    with pytest.raises(WebhookRejected, match="30 s"):
        check_freshness(str(now - 60))
    for malformed in ("", "-5", "1.5", "soon", "²"):
        with pytest.raises(WebhookRejected) as rejected:
            check_freshness(malformed)
        assert rejected.value.code == WebhookRejected.MALFORMED


@pytest.mark.parametrize("body", [b"", b"{", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_body_must_be_a_json_object(body):
    with pytest.raises(WebhookRejected) as rejected:
        json_object(body)
    assert rejected.value.code == WebhookRejected.MALFORMED


def test_fields_are_required_with_their_type():
    data = {"name": "x", "count": 3, "flag": True, "empty": "", "nested": {"a": 1}}
    assert require(data, "name", str) == "x"
    assert require(data, "count", (int, str)) == 3
    assert require(data, "nested", dict) == {"a": 1}
    for key, kind in (("missing", str), ("flag", int), ("empty", str), ("name", int)):
        with pytest.raises(WebhookRejected, match=repr(key)):
            require(data, key, kind)
    assert (text(data, "name"), text(data, "count"), text(data, "missing")) == ("x", "", "")


def test_times_from_milliseconds():
    assert from_milliseconds(1_600_951_800_112) == datetime(
        2020, 9, 24, 12, 50, 0, 112_000, tzinfo=UTC
    )
    with pytest.raises(WebhookRejected) as rejected:
        from_milliseconds(10**20)
    assert rejected.value.code == WebhookRejected.MALFORMED
