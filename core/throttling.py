"""A throttle that counts failed attempts only.

Brute-forcing a password or a one-time code means failing many times; a user who
logs in successfully a hundred times a minute is not an attacker. FailedAttemptThrottle
lets every request through until the failures recorded for the same key reach the
rate of the view's `throttle_scope`, then refuses with 429 (and Retry-After) until
the oldest failure leaves the window.

Views use FailedAttemptViewMixin: they call `self.record_failed_attempt()` when an
attempt fails, and may override `get_failed_attempt_ident()` to choose what is
counted (by default the authenticated user, otherwise the client IP).

Rates are DRF `DEFAULT_THROTTLE_RATES` entries, "<count>/<period>", where the period
is a unit (s, m, h, d) optionally preceded by a multiplier: "10/15m" allows ten
failures per fifteen minutes.

Failures are counted in the cache (Redis, shared by every process) by atomic increments
of one counter per slot of the window (SLOTS of them): concurrent failures, through
any process, are each counted, and a failure leaves the count a slot at a time.
"""

import hashlib
import math
import re

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from .http import client_ip

_PERIOD = re.compile(r"^(?P<multiplier>\d*)(?P<unit>[smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SLOTS = 15  # counters per window


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/15m" -> (10, 900); "5/min" -> (5, 60)."""
    num, period = rate.split("/")
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError(f"Invalid throttle rate {rate!r}.")
    return int(num), int(match["multiplier"] or 1) * _UNIT_SECONDS[match["unit"]]


def _hashed(ident: str) -> str:
    return hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()


class FailedAttemptThrottle(SimpleRateThrottle):
    cache_format = "throttle_failures_%(scope)s_%(ident)s"

    def get_ident(self, request):
        # The client address as the audit log records it (settings.TRUSTED_PROXIES).
        return client_ip(request) or "unknown"

    def __init__(self):
        # The scope, and so the rate, is only known once the view is (as ScopedRateThrottle).
        pass

    def _bind(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return False
        self.rate = self.get_rate()
        self.num_requests, self.duration = parse_rate(self.rate)
        # Hashed: idents may hold user input (a username), unfit for a cache key as is.
        # (Any text hashes, lone surrogates included: the throttle must not fail.)
        ident = _hashed(view.get_failed_attempt_ident(request, self))
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.now = self.timer()
        self.slot = max(1, math.ceil(self.duration / SLOTS))
        self.current = int(self.now // self.slot)
        return True

    def _counts(self) -> dict[int, int]:
        """{slot: failures} of the slots still in the window."""
        first = math.floor((self.now - self.duration) / self.slot) + 1
        keys = {f"{self.key}:{slot}": slot for slot in range(first, self.current + 1)}
        return {keys[key]: count for key, count in self.cache.get_many(list(keys)).items()}

    def allow_request(self, request, view):
        # Reads attempt nothing: a user locked out of guessing may still look.
        if getattr(request, "method", None) in SAFE_METHODS:
            return True
        if not self._bind(request, view):
            return True
        self.counts = self._counts()
        if sum(self.counts.values()) >= self.num_requests:
            return self.throttle_failure()
        return True

    def wait(self):
        """Seconds until enough failures leave the window for one more attempt."""
        excess = sum(self.counts.values()) - self.num_requests
        for slot in sorted(self.counts):
            excess -= self.counts[slot]
            if excess < 0:
                return max(1, slot * self.slot + self.duration - self.now)
        return self.duration

    def record_failure(self, request, view):
        if not self._bind(request, view):
            return
        key = f"{self.key}:{self.current}"
        self.cache.add(key, 0, self.duration + self.slot)
        try:
            self.cache.incr(key)
        except ValueError:  # expired (or the cache cleared) since: a new counter
            self.cache.set(key, 1, self.duration + self.slot)


class FailedAttemptViewMixin:
    throttle_classes = [FailedAttemptThrottle]
    throttle_scope: str

    def get_failed_attempt_ident(self, request, throttle) -> str:
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{throttle.get_ident(request)}"

    def record_failed_attempt(self):
        for throttle in self.get_throttles():
            if isinstance(throttle, FailedAttemptThrottle):
                throttle.record_failure(self.request, self)


class RequestRateThrottle(SimpleRateThrottle):
    """Counts every request (not only failures) per `ident_for()`, by default the client
    address; subclasses set `scope`. Rates take the "3/15m" form too."""

    def parse_rate(self, rate):
        return (None, None) if rate is None else parse_rate(rate)

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def ident_for(self, request, view) -> str:
        return self.get_ident(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": _hashed(self.ident_for(request, view)),
        }
