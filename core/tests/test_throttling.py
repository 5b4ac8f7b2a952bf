import pytest
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.throttling import FailedAttemptThrottle, FailedAttemptViewMixin, parse_rate


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("5/min", (5, 60)), ("10/15m", (10, 900)), ("3/2h", (3, 7200)), ("1/day", (1, 86400))],
)
def test_parse_rate(rate, expected):
    assert parse_rate(rate) == expected


def test_parse_rate_refuses_nonsense():
    with pytest.raises(ValueError, match="Invalid throttle rate"):
        parse_rate("5/fortnight")


class GuessView(FailedAttemptViewMixin, APIView):
    """Succeeds when the guess is right; failures are counted."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "test_guess"

    def post(self, request):
        if request.data.get("guess") != "right":
            self.record_failed_attempt()
            return Response(status=400)
        return Response(status=200)


class UnscopedView(GuessView):
    throttle_scope = None


@pytest.fixture(autouse=True)
def _test_rate(monkeypatch):
    monkeypatch.setitem(FailedAttemptThrottle.THROTTLE_RATES, "test_guess", "3/10m")


def _post(view, guess, ip="10.0.0.1"):
    request = APIRequestFactory().post("/", {"guess": guess}, format="json", REMOTE_ADDR=ip)
    return view.as_view()(request)


def test_successes_are_never_throttled():
    assert {_post(GuessView, "right").status_code for _ in range(20)} == {200}


def test_failures_up_to_the_rate_then_refusal_with_retry_after():
    statuses = [_post(GuessView, "wrong").status_code for _ in range(3)]
    assert statuses == [400, 400, 400]

    refused = _post(GuessView, "right")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600


def test_failures_are_counted_per_ident():
    for _ in range(3):
        _post(GuessView, "wrong", ip="10.0.0.1")
    assert _post(GuessView, "right", ip="10.0.0.1").status_code == 429
    assert _post(GuessView, "right", ip="10.0.0.2").status_code == 200


def test_failures_leave_the_window(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(FailedAttemptThrottle, "timer", lambda self: now[0])
    for _ in range(3):
        _post(GuessView, "wrong")
    assert _post(GuessView, "right").status_code == 429

    now[0] += 601
    assert _post(GuessView, "right").status_code == 200


def test_views_without_scope_are_not_throttled():
    for _ in range(5):
        _post(UnscopedView, "wrong")
    assert _post(UnscopedView, "right").status_code == 200


def test_failures_at_the_same_time_through_several_processes_are_each_counted(monkeypatch):
    """Each failure is an atomic increment of a shared counter (the cache: Redis in
    production), never a read-modify-write that a concurrent one would overwrite."""
    import threading

    monkeypatch.setitem(FailedAttemptThrottle.THROTTLE_RATES, "test_guess", "100/10m")
    barrier = threading.Barrier(8)

    def fail_five_times():
        barrier.wait()
        for _ in range(5):
            _post(GuessView, "wrong", ip="10.9.9.9")

    threads = [threading.Thread(target=fail_five_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Exactly 40 counted: the 41st attempt is allowed at 41 per window, refused at 40.
    monkeypatch.setitem(FailedAttemptThrottle.THROTTLE_RATES, "test_guess", "41/10m")
    assert _post(GuessView, "right", ip="10.9.9.9").status_code == 200
    monkeypatch.setitem(FailedAttemptThrottle.THROTTLE_RATES, "test_guess", "40/10m")
    assert _post(GuessView, "right", ip="10.9.9.9").status_code == 429
