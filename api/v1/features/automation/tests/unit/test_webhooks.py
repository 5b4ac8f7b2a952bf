"""Outgoing webhooks: the URLs refused (every name resolved from a table here, so no test
looks a name up), the signatures against values computed apart (and the Standard Webhooks
specification's published test vector), and deliveries to a real receiver on loopback
(tests.webhooks), over http and over https with a certificate made for the test."""

import base64
import datetime
import hashlib
import hmac
import socket
import ssl
import threading
import time
from dataclasses import FrozenInstanceError

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.v1.features.automation import webhooks
from api.v1.features.automation.webhooks import (
    Delivery,
    UnsafeWebhookURL,
    check_url,
    deliver,
    new_secret,
    sign,
    verify_standard,
)
from tests.webhooks import WebhookReceiver

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"

# The test vector of the Standard Webhooks specification (and of its libraries' tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

_system_getaddrinfo = socket.getaddrinfo


class Resolver:
    """socket.getaddrinfo for the tests: names from `names`, IP addresses (in any form
    the C library reads) without a lookup, any other name unknown."""

    def __init__(self):
        self.names: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.lookups.append(host)
        if host in self.names:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, port, 0, 0) if ":" in address else (address, port),
                )
                for address in self.names[host]
            ]
        return _system_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)


@pytest.fixture(autouse=True)
def resolver(monkeypatch, settings):
    """No test here looks a name up: socket.getaddrinfo (the module's, and urllib3's when
    it connects to an address) answers from a table. The lists of hosts start empty."""
    settings.AUTOMATION_WEBHOOK_ALLOWED_HOSTS = []
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = []
    fake = Resolver()
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", fake.getaddrinfo)
    return fake


def refusal(url: str) -> str:
    with pytest.raises(UnsafeWebhookURL) as caught:
        check_url(url)
    return str(caught.value)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.2:8080/hook",
        "http://127.0.0.1./",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://172.31.255.255/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://100.127.255.254/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]:8000/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456:789a::1]/",
        "http://[fe80::1]/",
        "http://[fe80::1%25eth0]/",
        "http://[fec0::1]/",
        "http://[ff02::1]/",
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "https://10.0.0.1:8443/hook",
        "HTTP://127.0.0.1/",
    ],
)
def test_private_and_reserved_addresses_are_refused(url, resolver):
    assert "is a private or reserved address" in refusal(url)
    assert resolver.lookups == []  # a literal address is not looked up


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://017700000001/",
        "http://127.1/",
        "http://0/",
        "http://0x7f.0.0.1./",
        "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # full-width: IDNA reads 127.0.0.1
    ],
)
def test_ipv4_in_decimal_octal_or_hex_is_judged_by_its_address(url, resolver):
    assert "is a private or reserved address" in refusal(url)
    assert resolver.lookups == []


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f.1", "127.1"])
def test_the_system_reads_those_forms_as_the_module_does(host):
    """What the module checks is the address the system would connect to."""
    found = _system_getaddrinfo(host, 80, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    assert {sockaddr[0] for *_, sockaddr in found} == {"127.0.0.1"}


def test_a_public_address_written_in_decimal_is_accepted():
    check_url("http://134744072/")  # 8.8.8.8


def test_an_invalid_numeric_host_is_refused(resolver):
    assert "is not a valid IP address" in refusal("http://08.0.0.1/")
    assert "is not a valid IP address" in refusal("http://256.1.1.1/")
    assert resolver.lookups == []


def test_public_addresses_are_accepted():
    check_url(f"http://{PUBLIC_V4}/hook")
    check_url(f"https://[{PUBLIC_V6}]:8443/hook?x=1")
    check_url(f"http://[::ffff:{PUBLIC_V4}]/")


def test_a_name_is_judged_by_every_address_it_resolves_to(resolver):
    resolver.names["localhost"] = ["127.0.0.1", "::1"]
    resolver.names["hooks.example.com"] = [PUBLIC_V4, PUBLIC_V6]
    resolver.names["mixed.example.com"] = [PUBLIC_V4, "10.0.0.7"]
    resolver.names["metadata.example.com"] = ["169.254.169.254"]
    resolver.names["mapped.example.com"] = ["::ffff:127.0.0.1"]

    check_url("https://hooks.example.com/hook")
    for name in ["localhost", "mixed.example.com", "metadata.example.com", "mapped.example.com"]:
        assert refusal(f"http://{name}/") == (
            f"The host {name} resolves to a private or reserved address."
        )
    assert refusal("http://LOCALHOST:8000/").endswith("resolves to a private or reserved address.")


def test_a_name_with_a_final_dot_is_resolved_as_written(resolver):
    resolver.names["localhost."] = ["127.0.0.1"]
    resolver.names["hooks.example.com."] = [PUBLIC_V4]
    assert "resolves to a private or reserved address" in refusal("http://localhost./")
    check_url("https://hooks.example.com./hook")
    assert resolver.lookups == ["localhost.", "hooks.example.com."]


def test_a_name_that_does_not_resolve_is_refused():
    assert refusal("https://nowhere.invalid/hook") == "The host nowhere.invalid does not resolve."


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "example.com/hook",
        "//example.com/hook",
    ],
)
def test_only_http_and_https_are_accepted(url):
    assert refusal(url) == "The URL must start with http:// or https://."


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pw@example.com/",
        "http://user@example.com/",
        "https://:secret@example.com/",
        "http://@example.com/",
        "http://example.com@127.0.0.1/",
    ],
)
def test_credentials_are_refused(url):
    assert refusal(url) == "The URL must not contain a user name or password."


@pytest.mark.parametrize("url", ["http://", "http:///hook", "https://:443/hook", "http:example"])
def test_a_url_without_host_is_refused(url):
    assert refusal(url) == "The URL has no host."


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter a URL."),
        ("http://example.com:99999/", "The URL is not valid."),
        ("http://example.com:0/", "The URL's port is not valid."),
        ("http://[::1/", "The URL is not valid."),
        ("http://exa mple.com/", "The URL contains spaces or control characters."),
        ("http://example.com/\r\nX-Injected: 1", "The URL contains spaces or control characters."),
        ("http://a..b/", "The host a..b is not valid."),
        ("http://a_b!.example/", "The host a_b!.example is not valid."),
        (f"http://{'a' * 64}.example/", f"The host {'a' * 64}.example is not valid."),
    ],
)
def test_malformed_urls_are_refused(url, message):
    assert refusal(url) == message


def test_the_refusal_is_a_value_error():
    assert issubclass(UnsafeWebhookURL, ValueError)


def test_the_allowed_hosts_limit_the_hosts_called(settings, resolver):
    settings.AUTOMATION_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com", "*.Partner.example"]
    for name in ["hooks.example.com", "a.partner.example", "a.b.partner.example"]:
        resolver.names[name] = [PUBLIC_V4]
        resolver.names[f"{name}."] = [PUBLIC_V4]

    check_url("https://hooks.example.com/hook")
    check_url("https://HOOKS.Example.COM./hook")
    check_url("https://a.partner.example:8443/")
    check_url("https://a.b.partner.example/")
    for host in [
        "partner.example",  # a wildcard names the subdomains only
        "xpartner.example",
        "evil.example",
        "hooks.example.com.evil.example",
        "example.com",
    ]:
        assert refusal(f"https://{host}/") == (
            f"The host {host} is not one of the allowed webhook hosts."
        )
    # A host not allowed is not even looked up.
    assert resolver.lookups == [
        "hooks.example.com",
        "hooks.example.com.",
        "a.partner.example",
        "a.b.partner.example",
    ]


def test_an_allowed_host_must_still_be_public(settings, resolver):
    settings.AUTOMATION_WEBHOOK_ALLOWED_HOSTS = ["internal.example", "10.0.0.1"]
    resolver.names["internal.example"] = ["10.0.0.5"]
    assert "private or reserved" in refusal("https://internal.example/")
    assert "private or reserved" in refusal("https://10.0.0.1/")


def test_private_hosts_may_have_private_addresses(settings, resolver):
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["hooks.internal", "127.0.0.1", "[::1]"]
    resolver.names["hooks.internal"] = ["10.1.2.3", "fd00::3"]
    resolver.names["other.internal"] = ["10.1.2.4"]

    check_url("http://hooks.internal:8080/hook")
    check_url("http://Hooks.Internal/hook")
    check_url("http://127.0.0.1:8000/hook")
    check_url("http://[::1]:8000/hook")
    check_url("http://[0:0::1]/")  # the same address, written otherwise
    assert "private or reserved" in refusal("http://other.internal/")
    assert "private or reserved" in refusal("http://127.0.0.2/")
    assert "private or reserved" in refusal("http://10.1.2.3/")


def test_private_hosts_still_go_through_the_allowed_hosts(settings):
    settings.AUTOMATION_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["127.0.0.1"]
    assert "not one of the allowed webhook hosts" in refusal("http://127.0.0.1/")


# Signatures ------------------------------------------------------------------------------


def test_the_standard_scheme_matches_the_published_test_vector():
    assert sign("standard", VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_the_standard_scheme_accepts_a_secret_without_its_prefix():
    secret = VECTOR_SECRET.removeprefix("whsec_")
    headers = sign("standard", secret, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
    assert headers["webhook-signature"] == VECTOR_SIGNATURE


def test_the_standard_scheme_signs_id_timestamp_and_body_with_the_decoded_key():
    key = bytes(range(24))
    secret = "whsec_" + base64.b64encode(key).decode()
    body = b'{"event": "invoice.paid", "id": 7}'
    digest = hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()
    headers = sign("standard", secret, "msg_1", 1700000000, body)
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


def test_a_secret_that_is_not_base64_is_used_as_text():
    secret = "not base64!"
    digest = hmac.new(secret.encode(), b"msg_1.1700000000.{}", hashlib.sha256).digest()
    headers = sign("standard", secret, "msg_1", 1700000000, b"{}")
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("scheme", "algorithm"), [("hmac-sha256", "sha256"), ("hmac-sha512", "sha512")]
)
def test_the_hmac_schemes_sign_timestamp_and_body_in_hex(scheme, algorithm):
    secret, body = "s3cr3t-of-the-rule", b'{"total": "12.50"}'
    digest = hmac.new(b"s3cr3t-of-the-rule", b"1700000000." + body, algorithm).hexdigest()
    assert sign(scheme, secret, "msg_1", 1700000000, body) == {
        "X-Webhook-Id": "msg_1",
        "X-Webhook-Timestamp": "1700000000",
        "X-Webhook-Signature": f"{algorithm}={digest}",
    }
    assert len(digest) == {"sha256": 64, "sha512": 128}[algorithm]


def test_the_none_scheme_only_identifies_the_message():
    assert sign("none", "", "msg_1", 1700000000, b"{}") == {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
    }


def test_signing_refuses_what_cannot_be_signed():
    with pytest.raises(ValueError, match="Unknown signature scheme"):
        sign("md5", "secret", "msg_1", 1, b"")
    with pytest.raises(ValueError, match="without dots or spaces"):
        sign("standard", VECTOR_SECRET, "msg.1", 1, b"")
    with pytest.raises(ValueError, match="without dots or spaces"):
        sign("hmac-sha256", "secret", "msg_1\r\nX-Injected: 1", 1, b"")
    with pytest.raises(ValueError, match="without dots or spaces"):
        sign("none", "", "", 1, b"")
    with pytest.raises(ValueError, match="without dots or spaces"):
        sign("none", "", "msg_\u00e9", 1, b"")
    with pytest.raises(ValueError, match="secret is required"):
        sign("hmac-sha256", "", "msg_1", 1, b"")
    with pytest.raises(ValueError, match="secret is required"):
        sign("standard", "whsec_", "msg_1", 1, b"")


def test_new_secrets_are_24_random_bytes_in_base64():
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 24
    assert first != second


def test_verify_standard_accepts_the_published_test_vector():
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    assert verify_standard(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 10)
    assert verify_standard(VECTOR_SECRET, headers, VECTOR_BODY, tolerance=None)
    # The timestamp is too old to be accepted today.
    assert not verify_standard(VECTOR_SECRET, headers, VECTOR_BODY)


def test_verify_standard_round_trip_and_tampering():
    secret, body, now = new_secret(), b'{"id": 1}', int(time.time())
    headers = sign("standard", secret, "msg_2", now, body)
    assert verify_standard(secret, headers, body)
    assert verify_standard(secret, {name.title(): value for name, value in headers.items()}, body)

    assert not verify_standard(secret, headers, b'{"id": 2}')
    assert not verify_standard(new_secret(), headers, body)
    assert not verify_standard(secret, {**headers, "webhook-id": "msg_3"}, body)
    assert not verify_standard(secret, {**headers, "webhook-timestamp": str(now + 1)}, body)
    assert not verify_standard(secret, {**headers, "webhook-timestamp": "soon"}, body)
    for missing in headers:
        assert not verify_standard(
            secret, {name: value for name, value in headers.items() if name != missing}, body
        )
    late = sign("standard", secret, "msg_2", now - 600, body)
    assert not verify_standard(secret, late, body)
    assert verify_standard(secret, late, body, tolerance=900)
    assert not verify_standard("whsec_", headers, body)


def test_verify_standard_accepts_any_of_several_signatures():
    secret, body, now = new_secret(), b"{}", int(time.time())
    headers = sign("standard", secret, "msg_1", now, body)
    old = sign("standard", new_secret(), "msg_1", now, body)["webhook-signature"]
    valid = headers["webhook-signature"]
    for signatures in [f"{old} {valid}", f"v1a,abc {valid}", f"v1,not-base64!! {valid}"]:
        assert verify_standard(secret, {**headers, "webhook-signature": signatures}, body)
    unversioned = valid.removeprefix("v1,")
    assert not verify_standard(secret, {**headers, "webhook-signature": unversioned}, body)
    v2 = "v2," + unversioned
    assert not verify_standard(secret, {**headers, "webhook-signature": v2}, body)
    assert not verify_standard(secret, {**headers, "webhook-signature": old}, body)


# Delivery --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ok", "retryable"),
    [
        (None, False, True),
        (200, True, False),
        (204, True, False),
        (299, True, False),
        (302, False, False),
        (400, False, False),
        (404, False, False),
        (408, False, True),
        (410, False, False),
        (429, False, True),
        (500, False, True),
        (503, False, True),
    ],
)
def test_delivery_outcomes(status, ok, retryable):
    delivery = Delivery(status=status)
    assert (delivery.ok, delivery.retryable) == (ok, retryable)


def test_a_delivery_is_frozen():
    delivery = Delivery(status=200)
    with pytest.raises(FrozenInstanceError):
        delivery.status = 500


@pytest.fixture
def loopback(settings):
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["127.0.0.1"]


@pytest.mark.usefixtures("loopback")
def test_the_receiver_gets_method_headers_and_body_as_sent():
    secret, body = new_secret(), '{"event": "order.created", "name": "Café"}'.encode()
    signature = sign("standard", secret, "msg_42", int(time.time()), body)
    with WebhookReceiver(body=b'{"received": true}') as receiver:
        delivery = deliver(
            url=f"{receiver.url}/hooks/in?source=erp#ignored",
            body=body,
            headers={**signature, "Content-Type": "application/json"},
        )
    assert delivery == Delivery(
        status=200, response_excerpt='{"received": true}', duration_ms=delivery.duration_ms
    )
    assert delivery.ok
    assert delivery.duration_ms >= 0
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/hooks/in?source=erp", body)
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert request.headers["User-Agent"] == "ERP-Webhooks/1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Content-Length"] == str(len(body))
    for name, value in signature.items():
        assert request.headers.get_all(name) == [value]
    assert verify_standard(secret, request.headers, request.body)


@pytest.mark.usefixtures("loopback")
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "GET", "post"])
def test_each_method_is_sent(method):
    body = b"" if method == "GET" else b"payload"
    with WebhookReceiver(status=204) as receiver:
        delivery = deliver(url=receiver.url, method=method, body=body)
    assert delivery.status == 204
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == (method.upper(), "/", body)


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "OPTIONS", "HEAD", ""])
def test_other_methods_are_refused(method):
    with pytest.raises(ValueError, match="Unsupported method"):
        deliver(url=f"https://{PUBLIC_V4}/", method=method)


@pytest.mark.usefixtures("loopback")
def test_an_empty_post_says_its_length():
    with WebhookReceiver() as receiver:
        deliver(url=receiver.url)
    (request,) = receiver.requests
    assert request.headers["Content-Length"] == "0"
    assert request.body == b""


@pytest.mark.usefixtures("loopback")
def test_the_host_and_length_are_the_modules_own():
    with WebhookReceiver() as receiver:
        deliver(
            url=receiver.url,
            body=b"abc",
            headers={"host": "internal.example", "Content-Length": "1", "User-Agent": "Mine/2"},
        )
    (request,) = receiver.requests
    assert request.headers.get_all("Host") == [f"127.0.0.1:{receiver.port}"]
    assert request.headers.get_all("Content-Length") == ["3"]
    assert request.headers.get_all("User-Agent") == ["Mine/2"]
    assert request.body == b"abc"


@pytest.mark.usefixtures("loopback")
def test_invalid_headers_are_refused():
    with WebhookReceiver() as receiver:
        with pytest.raises(ValueError, match="Invalid value for header X-Note"):
            deliver(url=receiver.url, headers={"X-Note": "a\r\nX-Injected: 1"})
        with pytest.raises(ValueError, match="Invalid header name"):
            deliver(url=receiver.url, headers={"X Note": "a"})
    assert receiver.requests == []


def test_a_name_is_sent_as_host_to_the_address_checked(settings, resolver):
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["hooks.internal"]
    resolver.names["hooks.internal"] = ["127.0.0.1"]
    with WebhookReceiver() as receiver:
        delivery = deliver(url=f"http://hooks.internal:{receiver.port}/in", body=b"{}")
    assert delivery.status == 200
    (request,) = receiver.requests
    assert request.headers["Host"] == f"hooks.internal:{receiver.port}"
    # Resolved once, then connected to by address: nothing resolves the name again.
    assert resolver.lookups == ["hooks.internal", "127.0.0.1"]


def test_the_url_is_checked_again_when_sent(settings, resolver):
    """A name that resolved to a public address when saved may point inside since."""
    resolver.names["rebind.example"] = [PUBLIC_V4]
    check_url("http://rebind.example/hook")
    resolver.names["rebind.example"] = ["127.0.0.1"]
    with (
        WebhookReceiver() as receiver,
        pytest.raises(UnsafeWebhookURL, match="resolves to a private or reserved address"),
    ):
        deliver(url=f"http://rebind.example:{receiver.port}/hook")
    assert receiver.requests == []


def test_loopback_is_refused_without_the_exception():
    with (
        WebhookReceiver() as receiver,
        pytest.raises(UnsafeWebhookURL, match="is a private or reserved address"),
    ):
        deliver(url=receiver.url, body=b"{}")
    assert receiver.requests == []


def test_the_next_address_is_tried_when_one_refuses(settings, resolver):
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["hooks.internal"]
    resolver.names["hooks.internal"] = ["::1", "127.0.0.1"]  # nothing listens on ::1
    with WebhookReceiver() as receiver:
        delivery = deliver(url=f"http://hooks.internal:{receiver.port}/", body=b"{}")
    assert delivery.status == 200
    assert len(receiver.requests) == 1


def test_an_ipv6_receiver(settings):
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback here")
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["::1"]
    with WebhookReceiver(host="::1") as receiver:
        delivery = deliver(url=f"{receiver.url}/in", body=b"{}")
    assert delivery.status == 200
    (request,) = receiver.requests
    assert request.headers["Host"] == f"[::1]:{receiver.port}"


@pytest.mark.usefixtures("loopback")
def test_a_server_error_is_reported_and_retryable():
    with WebhookReceiver(status=500, body=b"database is down") as receiver:
        delivery = deliver(url=receiver.url, body=b"{}")
    assert (delivery.status, delivery.response_excerpt, delivery.error) == (
        500,
        "database is down",
        "",
    )
    assert not delivery.ok
    assert delivery.retryable


@pytest.mark.usefixtures("loopback")
def test_a_redirect_is_not_followed():
    with WebhookReceiver(status=302) as receiver:
        receiver.headers["Location"] = f"{receiver.url}/elsewhere"
        delivery = deliver(url=f"{receiver.url}/hook", body=b"{}")
    assert delivery.status == 302
    assert not delivery.ok
    assert not delivery.retryable
    assert [request.path for request in receiver.requests] == ["/hook"]


@pytest.mark.usefixtures("loopback")
def test_the_excerpt_is_the_first_thousand_characters():
    with WebhookReceiver(body=("é" * 3000).encode()) as receiver:
        delivery = deliver(url=receiver.url)
    assert delivery.response_excerpt == "é" * 1000
    with WebhookReceiver(body=b"ok \xff\xfe") as receiver:
        delivery = deliver(url=receiver.url)
    assert delivery.response_excerpt == "ok \ufffd\ufffd"


@pytest.mark.usefixtures("loopback")
def test_a_slow_receiver_times_out():
    with WebhookReceiver(delay=5) as receiver:
        started = time.monotonic()
        delivery = deliver(url=receiver.url, body=b"{}", timeout=0.2)
        waited = time.monotonic() - started
    assert delivery.status is None
    assert delivery.error == "No answer within 0.2 s."
    assert delivery.retryable
    assert waited < 3
    assert 150 <= delivery.duration_ms < 3000
    assert len(receiver.requests) == 1  # it arrived; the answer did not


@pytest.mark.usefixtures("loopback")
def test_the_timeout_setting_is_the_default(settings):
    settings.AUTOMATION_WEBHOOK_TIMEOUT = 0.2
    with WebhookReceiver(delay=5) as receiver:
        delivery = deliver(url=receiver.url, body=b"{}")
    assert delivery.status is None
    assert delivery.error == "No answer within 0.2 s."


@pytest.mark.usefixtures("loopback")
def test_a_closed_port_is_reported_not_raised():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = deliver(url=f"http://127.0.0.1:{port}/hook", body=b"{}", timeout=2)
    assert delivery.status is None
    assert delivery.error.startswith("Could not connect")
    assert delivery.response_excerpt == ""
    assert delivery.retryable


# https -----------------------------------------------------------------------------------


def _tls(tmp_path, name: str) -> tuple[str, ssl.SSLContext]:
    """A certificate authority made for the test (its file) and a server context with a
    certificate it issued for `name`."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Webhook test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = tmp_path / f"{name}.pem"
    chain.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return str(ca_file), context


@pytest.fixture
def hooks_internal(settings, resolver):
    settings.AUTOMATION_WEBHOOK_PRIVATE_HOSTS = ["hooks.internal"]
    resolver.names["hooks.internal"] = ["127.0.0.1"]


@pytest.mark.usefixtures("hooks_internal")
def test_https_verifies_the_certificate_against_the_name(tmp_path, monkeypatch):
    ca_file, context = _tls(tmp_path, "hooks.internal")
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # the trusted authorities: the test's
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    with WebhookReceiver(ssl_context=context) as receiver:
        delivery = deliver(url=f"https://hooks.internal:{receiver.port}/in", body=b"{}")
    assert (delivery.status, delivery.error) == (200, "")
    assert names == ["hooks.internal"]
    (request,) = receiver.requests
    assert request.headers["Host"] == f"hooks.internal:{receiver.port}"
    assert request.body == b"{}"


@pytest.mark.usefixtures("hooks_internal")
def test_https_refuses_a_certificate_for_another_name(tmp_path, monkeypatch):
    ca_file, context = _tls(tmp_path, "other.internal")
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    with WebhookReceiver(ssl_context=context) as receiver:
        delivery = deliver(url=f"https://hooks.internal:{receiver.port}/in", body=b"{}")
    assert delivery.status is None
    assert delivery.error.startswith("TLS error")
    assert "hooks.internal" in delivery.error
    assert receiver.requests == []


@pytest.mark.usefixtures("hooks_internal")
def test_https_refuses_an_untrusted_certificate(tmp_path, monkeypatch):
    _, context = _tls(tmp_path, "hooks.internal")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-file.pem"))
    with WebhookReceiver(ssl_context=context) as receiver:
        delivery = deliver(url=f"https://hooks.internal:{receiver.port}/in", body=b"{}")
    assert delivery.status is None
    assert "certificate verify failed" in delivery.error
    assert receiver.requests == []


@pytest.mark.usefixtures("loopback")
def test_a_connection_closed_without_answer_is_reported_not_raised():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def hang_up():
            connection, _ = listener.accept()
            connection.recv(65536)
            connection.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        delivery = deliver(url=f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=2)
        thread.join(timeout=5)
    assert delivery.status is None
    assert delivery.error.startswith("The connection failed")
    assert delivery.retryable
