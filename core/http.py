"""Facts about the HTTP request that several apps need."""

import ipaddress

from django.conf import settings


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks())


def _trusted_networks():
    return [
        ipaddress.ip_network(entry, strict=False)
        for entry in getattr(settings, "TRUSTED_PROXIES", [])
    ]


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy
    (settings.TRUSTED_PROXIES), in which case the nearest address in X-Forwarded-For
    that is not a trusted proxy. A client cannot pose as another by sending the header:
    it is only read behind a trusted proxy, from the right."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR")
    if not remote or not _trusted(remote):
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _trusted(address):
            return address
    return remote
