"""core.presence: a user's open connections counted in the cache, whatever the order
their openings and closings arrive in."""

from django.core.cache import cache

from core.presence import _closed, _key, _opened, _renew, mark_present, present

FEED = "tests"


def test_several_connections_are_one_presence():
    key = _key(FEED, 1)
    assert _opened(key) == 1
    assert _opened(key) == 2

    assert _closed(key) == 1
    assert present(FEED, [1, 2]) == {1}
    assert _closed(key) == 0
    assert present(FEED, [1, 2]) == set()


def test_a_page_reloaded_stays_present():
    """The new connection opens before the old one's closing is handled."""
    key = _key(FEED, 1)
    _opened(key)  # the page

    _opened(key)  # reloaded: the new connection
    _closed(key)  # then the old one's closing

    assert present(FEED, [1]) == {1}


def test_a_count_that_expired_is_not_overdrawn():
    key = _key(FEED, 1)
    _opened(key)
    _opened(key)
    cache.delete(key)  # a stall past PRESENCE_TTL
    _renew(key)  # one of the connections renews it: counted again

    assert _closed(key) == 0
    assert _closed(key) == 0  # the other one, counted before the expiry only
    assert _opened(key) == 1  # the next connection counts from zero, not from -1


def test_mark_present_counts_a_connection():
    mark_present(FEED, 7)

    assert present(FEED, [7, 8]) == {7}
