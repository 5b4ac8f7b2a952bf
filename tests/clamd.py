"""A clamd of the tests' own (bin/clamd-test) knowing only the EICAR signature, as the
`clamd` fixture (a ClamdScanner talking to it), for the scanner's tests and the upload
tests that scan. Without clamd installed its tests are skipped, except in CI (which
installs it: Debian's clamav-daemon), where they fail."""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.scanning import ClamdScanner

ROOT = Path(__file__).resolve().parents[1]
CLAMD_TEST = ROOT / "bin" / "clamd-test"

# The EICAR test file: every scanner reports it, and it harms nothing.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# bin/clamd-test's database names it so; clamd marks every signature that does not come
# from ClamAV's signed databases ".UNOFFICIAL".
EICAR_SIGNATURE = "Eicar-Test-Signature.UNOFFICIAL"
# The StreamMaxLength the test clamd runs with: above the largest file scanned whole here.
STREAM_MAX_LENGTH = 2 * 1024 * 1024
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clamd_installed() -> bool:
    # Where bin/clamd-test looks: the PATH, then Debian's /usr/sbin (not on every PATH).
    return bool(shutil.which("clamd")) or os.access("/usr/sbin/clamd", os.X_OK)


@pytest.fixture(scope="session")
def clamd(tmp_path_factory) -> Iterator[ClamdScanner]:
    """A clamd of our own on a free port, knowing only the EICAR signature."""
    if not clamd_installed():
        message = "clamd is not installed (Debian: clamav-daemon)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}, and CI must run these tests")
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("clamd")
    port = free_port()
    output = directory / "output.txt"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [CLAMD_TEST, directory, str(port), str(STREAM_MAX_LENGTH)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        scanner = ClamdScanner(port=port, timeout=10)
        deadline = time.monotonic() + 60
        while not scanner.ping():
            if process.poll() is not None:
                pytest.fail(f"clamd exited with {process.returncode}:\n{output.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"clamd did not answer PING within 60 s:\n{output.read_text()}")
            time.sleep(0.1)
        yield scanner
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
