"""The C allocator's thresholds for a process that handles buffers of a megabyte.

An upload is parsed in buffers of 1 MB (the multipart parser copies each a few times),
a download is sent in blocks of 2 MB. glibc's allocator serves a buffer of that size
from its heap, and gives the top of the heap back to the system as soon as more than
about twice the largest buffer freed lies unused there: each new buffer then faults its
pages in again, and that cost more than the parsing itself (the multipart parser on a
100 MB upload: 0.16 s with the default thresholds, 0.03 s with these;
bench/file_transfer.py). Fixed thresholds keep buffers under 4 MB on the heap and
up to 16 MB of it unreturned, a constant per process; larger ones are still mapped and
unmapped on their own.

Applied once per process when Django is set up (core's AppConfig), on glibc only, and
not where the operator set glibc's own (`MALLOC_*_` variables or `GLIBC_TUNABLES`).
"""

import ctypes
import ctypes.util
import os
import platform

# mallopt(3) parameters.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 16 * 1024 * 1024

_OPERATOR_SETTINGS = (
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)


def tune_allocator(environ=os.environ) -> bool:
    """Set the thresholds above; True when they were set."""
    if platform.libc_ver()[0] != "glibc":
        return False
    if any(name in environ for name in _OPERATOR_SETTINGS) or "glibc.malloc" in environ.get(
        "GLIBC_TUNABLES", ""
    ):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return bool(
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
