"""Outgoing webhooks: which URLs may be called, how a request is signed, how it is sent.

A webhook URL is given by a user, so the server must not be made to call itself or its
network with it (server-side request forgery). `check_url` accepts http and https URLs
without credentials whose host, when AUTOMATION_WEBHOOK_ALLOWED_HOSTS is set, is one of
its entries, and whose every address is public: no loopback, private, link-local (cloud
metadata at 169.254.169.254), multicast, reserved, unspecified or carrier-grade NAT
address, nor an IPv6 form of one (`::ffff:127.0.0.1`). Hosts listed in
AUTOMATION_WEBHOOK_PRIVATE_HOSTS, internal services, may have private addresses. IPv4
written in decimal, octal or hex (`2130706433`, `0177.0.0.1`) is read as the system
reads it, and judged by the address it stands for.

`deliver` checks the URL again when it sends, and connects to the very address it
checked rather than resolving the name a second time: a name that resolves to a public
address when checked and to a private one when used (DNS rebinding) reaches nothing it
should not. The original host is sent in `Host` and, over TLS, as the server name the
certificate is verified against. Redirects are not followed (a 3xx is a failure to the
sender, as Standard Webhooks advises), and failing to reach the receiver is a result, not
an exception.

Signatures (`sign`): the Standard Webhooks scheme (https://www.standardwebhooks.com:
`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` of
`<id>.<timestamp>.<body>` with a `whsec_` secret), which receivers can verify with that
specification's libraries, or a plain HMAC of `<timestamp>.<body>` in `X-Webhook-*`
headers for receivers that expect one.
"""

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

METHODS = ("POST", "PUT", "PATCH", "DELETE", "GET")
SCHEMES = ("standard", "hmac-sha256", "hmac-sha512", "none")
USER_AGENT = "ERP-Webhooks/1"
DEFAULT_TIMEOUT = 10
EXCERPT = 1_000  # characters of a response body kept
KEY_PREFIX = "whsec_"
TOLERANCE = 300  # seconds a Standard Webhooks timestamp may be away from now

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A host name once IDNA-encoded: letters, digits, hyphens and underscores, in labels.
_NAME = re.compile(r"[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*")
# What the C library's inet_aton reads as IPv4: one to four decimal, octal or hex parts.
_NUMERIC = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}")
# Set by the module: not to be chosen, nor repeated, by the caller's headers.
_OWN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Printable ASCII but the dot, which separates the parts signed.
_MESSAGE_ID = re.compile(r"[!-\-/-~]+")


class UnsafeWebhookURL(ValueError):
    """A webhook URL that may not be called; the message says why, for the user."""


@dataclass(frozen=True)
class _Target:
    """A checked URL: where to connect, and what to ask there."""

    scheme: str
    host: str  # as written (lower case, IDNA), for the Host header
    server_name: str  # without a final dot, for TLS
    port: int
    authority: str  # the Host header
    path: str  # path and query
    addresses: tuple[IPAddress, ...]


def _listed(name: str) -> list[str]:
    value = getattr(settings, name, None) or []
    entries = [value] if isinstance(value, str) else list(value)
    return [entry.strip().lower().strip("[]").rstrip(".") for entry in entries if entry]


def _literal(host: str) -> IPAddress | None:
    """The address a host written as an IP address stands for, None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise UnsafeWebhookURL(f"The host {host} is not a valid IP address.") from None
    return None


def _allowed(host: str) -> bool:
    """Whether AUTOMATION_WEBHOOK_ALLOWED_HOSTS (if set) lets the host be called."""
    entries = _listed("AUTOMATION_WEBHOOK_ALLOWED_HOSTS")
    if not entries:
        return True
    for entry in entries:
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def _private_allowed(host: str, literal: IPAddress | None) -> bool:
    """Whether the host is listed in AUTOMATION_WEBHOOK_PRIVATE_HOSTS: by name, or for an
    IP address by the address, however either is written."""
    for entry in _listed("AUTOMATION_WEBHOOK_PRIVATE_HOSTS"):
        if host == entry:
            return True
        if literal is not None:
            try:
                if ipaddress.ip_address(entry) == literal:
                    return True
            except ValueError:
                continue
    return False


def _is_public(address: IPAddress) -> bool:
    """Whether an address is one the internet routes to someone else: not loopback,
    private, link-local, multicast, reserved, unspecified, carrier-grade NAT, nor an IPv6
    address that carries one of those (IPv4-mapped, 6to4)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _is_public(address.ipv4_mapped)
        if address.sixtofour is not None and not _is_public(address.sixtofour):
            return False
        if address.is_site_local:
            return False
    elif address in _CGNAT:
        return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _resolve(name: str, port: int) -> tuple[IPAddress, ...]:
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        found = []
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        try:
            address = ipaddress.ip_address(sockaddr[0])
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeWebhookURL(f"The host {name} does not resolve.")
    return tuple(addresses)


def _check(url: str) -> _Target:
    """The URL's target, with the addresses it was checked for; UnsafeWebhookURL if it
    may not be called."""
    if not isinstance(url, str) or not url:
        raise UnsafeWebhookURL("Enter a URL.")
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise UnsafeWebhookURL("The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeWebhookURL("The URL is not valid.") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeWebhookURL("The URL must start with http:// or https://.")
    if "@" in parts.netloc:
        raise UnsafeWebhookURL("The URL must not contain a user name or password.")
    if not parts.hostname:
        raise UnsafeWebhookURL("The URL has no host.")
    if port == 0:
        raise UnsafeWebhookURL("The URL's port is not valid.")
    port = port or _DEFAULT_PORTS[scheme]

    bracketed = parts.netloc.startswith("[")
    host = parts.hostname
    if not bracketed:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeWebhookURL(f"The host {parts.hostname} is not valid.") from None
    bare = host[:-1] if host.endswith(".") else host
    if bracketed:
        try:
            literal = ipaddress.IPv6Address(bare)
        except ValueError:
            raise UnsafeWebhookURL(f"The host {host} is not a valid IP address.") from None
    else:
        if not _NAME.fullmatch(bare) or len(bare) > 253:
            raise UnsafeWebhookURL(f"The host {host} is not valid.")
        literal = _literal(bare)

    if not _allowed(bare):
        raise UnsafeWebhookURL(f"The host {bare} is not one of the allowed webhook hosts.")
    addresses = (literal,) if literal is not None else _resolve(host, port)
    if not _private_allowed(bare, literal) and not all(map(_is_public, addresses)):
        if literal is not None:
            raise UnsafeWebhookURL(f"The host {bare} is a private or reserved address.")
        raise UnsafeWebhookURL(f"The host {bare} resolves to a private or reserved address.")

    authority = f"[{host}]" if bracketed else host
    if port != _DEFAULT_PORTS[scheme]:
        authority = f"{authority}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, bare, port, authority, path, addresses)


def check_url(url: str) -> None:
    """Raise UnsafeWebhookURL unless the URL may be called as a webhook: http or https,
    a host, no credentials, a host that AUTOMATION_WEBHOOK_ALLOWED_HOSTS allows (when
    set), and only public addresses unless the host is in
    AUTOMATION_WEBHOOK_PRIVATE_HOSTS. Resolves the host's name."""
    _check(url)


# Signatures -------------------------------------------------------------------------------


def new_secret() -> str:
    """A new Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return KEY_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _standard_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the base64 after `whsec_` (the prefix
    may be left out), or the secret's UTF-8 bytes if that is not base64."""
    encoded = secret.removeprefix(KEY_PREFIX)
    if not encoded:
        raise ValueError("A webhook secret is required.")
    try:
        stripped = encoded.rstrip("=")
        key = base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    return key or secret.encode()


def _standard_signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(scheme: str, secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers that identify and sign a webhook request, by signature scheme:

    - `standard`: Standard Webhooks, `webhook-id`, `webhook-timestamp` and
      `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by
      the `whsec_` secret's decoded bytes;
    - `hmac-sha256`, `hmac-sha512`: `X-Webhook-Id`, `X-Webhook-Timestamp` and
      `X-Webhook-Signature: sha256=<hex HMAC of "<timestamp>.<body>">` (`sha512=`),
      keyed by the secret's UTF-8 bytes;
    - `none`: `webhook-id` and `webhook-timestamp` only.

    The timestamp is in Unix seconds. The message id is signed next to dots, so it may
    not contain one; it is a header too: printable ASCII, no spaces."""
    if scheme not in SCHEMES:
        raise ValueError(f"Unknown signature scheme {scheme!r}.")
    if not _MESSAGE_ID.fullmatch(message_id or ""):
        raise ValueError("A message id is required: printable ASCII, without dots or spaces.")
    timestamp = int(timestamp)
    if scheme == "none":
        return {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    if scheme == "standard":
        signature = _standard_signature(_standard_key(secret), message_id, timestamp, body)
        return {
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": "v1," + base64.b64encode(signature).decode("ascii"),
        }
    if not secret:
        raise ValueError("A webhook secret is required.")
    algorithm = scheme.removeprefix("hmac-")
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, algorithm).hexdigest()
    return {
        "X-Webhook-Id": message_id,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": f"{algorithm}={digest}",
    }


def verify_standard(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int | None = TOLERANCE,
    now: int | None = None,
) -> bool:
    """Whether a request carries a valid Standard Webhooks signature for the secret, as a
    receiver checks it: one of the `v1,` signatures of `webhook-signature` (a receiver
    may be sent several while a secret is replaced) matches `webhook-id`,
    `webhook-timestamp` and the body as received, and the timestamp is within
    `tolerance` seconds of `now` (default: the time; `tolerance=None` skips it)."""
    lowered = {str(name).lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id") or ""
    timestamp = lowered.get("webhook-timestamp") or ""
    signatures = lowered.get("webhook-signature") or ""
    if not (message_id and timestamp.isascii() and timestamp.isdigit() and signatures):
        return False
    if tolerance is not None:
        current = int(time.time()) if now is None else now
        if abs(current - int(timestamp)) > tolerance:
            return False
    try:
        key = _standard_key(secret)
    except ValueError:
        return False
    expected = _standard_signature(key, message_id, int(timestamp), body)
    matched = False
    for versioned in signatures.split():
        version, _, encoded = versioned.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        matched |= hmac.compare_digest(expected, given)
    return matched


# Delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What came of sending a webhook: the answer's status (None when none came), the
    start of its body, how long it took, and what went wrong, if anything."""

    status: int | None
    response_excerpt: str = ""
    duration_ms: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        """The receiver accepted the webhook (2xx)."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Sending again later may succeed: no answer, 408, 429 or 5xx."""
        return self.status is None or self.status in (408, 429) or self.status >= 500


def _request_headers(target: _Target, headers: Mapping[str, str] | None) -> dict[str, str]:
    chosen = {"User-Agent": USER_AGENT}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"Invalid header name {name!r}.")
        if not isinstance(value, str) or any(char in value for char in "\r\n\0"):
            raise ValueError(f"Invalid value for header {name}.")
        if name.lower() in _OWN_HEADERS:
            continue
        if name.lower() == "user-agent":
            chosen.pop("User-Agent", None)
        chosen[name] = value
    chosen["Host"] = target.authority
    return chosen


def _pool(target: _Target, address: IPAddress, timeout: float) -> urllib3.HTTPConnectionPool:
    options = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            str(address),
            target.port,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.server_name,
            assert_hostname=target.server_name,
            **options,
        )
    return urllib3.HTTPConnectionPool(str(address), target.port, **options)


def _describe(exc: Exception, timeout: float) -> str:
    """A short account of a failed attempt (without urllib3's pool and address)."""
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        reason = exc.__cause__ or exc.__context__
        return f"Could not connect: {getattr(reason, 'strerror', None) or reason or exc}"
    if isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError):
        return f"No answer within {timeout:g} s."
    if isinstance(exc, urllib3.exceptions.SSLError):
        return f"TLS error: {exc.__cause__ or exc}"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        reason = exc.args[1] if len(exc.args) > 1 else exc
        return f"The connection failed: {reason}"
    return f"{type(exc).__name__}: {exc}"


def deliver(
    *,
    url: str,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float | None = None,
) -> Delivery:
    """Send a webhook request and report its answer; never follows a redirect.

    The URL is checked (check_url) and its host resolved once; the request goes to the
    addresses checked, in order while a connection is refused, with `Host` (and the TLS
    server name) set to the URL's host. `timeout` (default AUTOMATION_WEBHOOK_TIMEOUT,
    10 s) bounds connecting and each wait for data. Raises UnsafeWebhookURL for a URL
    that may not be called and ValueError for another method than POST, PUT, PATCH,
    DELETE or GET or an invalid header; an unreachable receiver, a timeout or a broken
    connection is a Delivery without status."""
    verb = method.upper()
    if verb not in METHODS:
        raise ValueError(f"Unsupported method {method!r}.")
    target = _check(url)
    sent = _request_headers(target, headers)
    seconds = float(timeout or getattr(settings, "AUTOMATION_WEBHOOK_TIMEOUT", DEFAULT_TIMEOUT))
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    failure: Exception | None = None
    for address in target.addresses:
        pool = _pool(target, address, seconds)
        try:
            response = pool.urlopen(
                verb,
                target.path,
                body=body or None,
                headers=sent,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:
            failure = exc
            pool.close()
            continue
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            pool.close()
            return Delivery(None, "", elapsed(), _describe(exc, seconds))
        error = ""
        try:
            # A character is at most 4 bytes in UTF-8.
            data = response.read(EXCERPT * 4)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            data, error = b"", _describe(exc, seconds)
        finally:
            response.close()
            pool.close()
        excerpt = data.decode("utf-8", errors="replace")[:EXCERPT]
        return Delivery(response.status, excerpt, elapsed(), error)
    return Delivery(None, "", elapsed(), _describe(failure, seconds))
