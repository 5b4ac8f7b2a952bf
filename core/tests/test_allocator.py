"""core.allocator: glibc's thresholds set once per process, unless the operator set them."""

import platform

import pytest

from core import allocator
from core.allocator import tune_allocator

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator")
def test_the_thresholds_are_set_on_glibc():
    assert tune_allocator({}) is True


@pytest.mark.parametrize(
    "environ",
    [
        {"MALLOC_TRIM_THRESHOLD_": "1048576"},
        {"MALLOC_MMAP_THRESHOLD_": "131072"},
        {"MALLOC_TOP_PAD_": "0"},
        {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1048576"},
    ],
)
def test_the_operators_settings_are_left_alone(environ, monkeypatch):
    called = []
    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda *args: called.append(args))
    assert tune_allocator(environ) is False
    assert called == []


def test_other_c_libraries_are_left_alone(monkeypatch):
    monkeypatch.setattr(allocator.platform, "libc_ver", lambda: ("", ""))
    assert tune_allocator({}) is False
