# ruff: noqa: S310, S603  (loopback URLs of the served system; it starts uvicorn)
"""Uploading and downloading a large file through the API against the storage itself.

Serves the system as `make run` does (bin/served.py: uvicorn, a fresh database with
the demo data), then, as the demo account, uploads a file of --size-mb megabytes
(a PDF header and random bytes) to POST /api/v1/files/ streaming the multipart body
from disk, and downloads it again from /api/v1/files/{id}/download/; the baseline is
the same bytes saved to and read from a FileSystemStorage directly in this process,
and the same bytes through bare HTTP: a minimal ASGI app on uvicorn that writes a
request's body to a file and streams a file back, in blocks of the same size (what
the transport alone costs). Prints the medians of --rounds runs, the API's ratios to
both, and the server process's peak resident memory above its level before each
transfer (sampled every 10 ms): the goal is a constant, not a share of the file's
size. Last, the view's own share of an upload, without the network: the multipart
parser with the API's upload handler (parsing, SHA-256, writing the temporary file)
reading the same body from a file in this process.

    .venv/bin/python bench/file_transfer.py [--size-mb 100] [--rounds 3]
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))
sys.path.insert(0, str(ROOT))

from served import free_port, served

CHUNK = 1024 * 1024
MB = 1024 * 1024

# The bare HTTP server: POST /file stores the body, GET /file streams it back.
BARE_APP = """
import os

PATH = os.environ["BARE_FILE"]
BLOCK = int(os.environ["BARE_BLOCK"])


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        with open(PATH, "wb") as out:
            while True:
                message = await receive()
                out.write(message.get("body", b""))
                if not message.get("more_body"):
                    break
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        return
    size = os.path.getsize(PATH)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(size).encode())]})
    with open(PATH, "rb") as source:
        while block := source.read(BLOCK):
            await send({"type": "http.response.body", "body": block, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
"""


class PeakMemory:
    """The peak resident memory of a process above its level at the start, sampled
    from /proc while the block runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._running = pid, 0, False

    def _rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, self._rss())
            time.sleep(0.01)

    def __enter__(self):
        self.start = self._rss()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()

    @property
    def above_start(self) -> int:
        return max(0, self.peak - self.start)


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        written = 9
        while written < size:
            block = os.urandom(min(CHUNK, size - written))
            out.write(block)
            written += len(block)


def login(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/",
        data=json.dumps({"username": "demo", "password": "demo"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["access"]


def get_json(base: str, path: str, token: str):
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def upload(base: str, token: str, organization: int, path: Path, url="/api/v1/files/"):
    """POST the file as multipart/form-data, streamed from disk; the answer's JSON."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="organization"\r\n\r\n'
        f'{organization}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    connection.putrequest("POST", url)
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + path.stat().st_size + len(tail)))
    connection.endheaders()
    connection.send(head)
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            connection.send(block)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    assert response.status == 201, (response.status, body[:500])
    return json.loads(body)


def download(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    received = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while block := response.read(CHUNK):
            received += len(block)
    return received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mb * MB
    work = Path(tempfile.mkdtemp(prefix="bench-files-"))
    source = work / "large.pdf"
    make_file(source, size)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=work / "raw")
    timings = {
        f"{way} {kind}": [] for way in ("raw", "bare", "API") for kind in ("upload", "download")
    }
    memory = {"upload": [], "download": []}
    bare_base, bare = serve_bare(work)
    try:
        run_rounds(args, size, source, storage, timings, memory, bare_base)
    finally:
        bare.terminate()
        bare.wait(timeout=30)
    report(args, timings, memory)
    parsed = parse_in_process(source, args.rounds)
    print(
        f"parser    {args.size_mb / parsed:6.1f} MB/s in this process "
        f"({parsed * 1000:.0f} ms: multipart, SHA-256 and the temporary file)"
    )


def serve_bare(work: Path):
    """The bare HTTP server (BARE_APP) on uvicorn, as the API is served, streaming in
    the API's download blocks."""
    from core.downloads import CHUNK_SIZE

    (work / "bare_app.py").write_text(BARE_APP)
    port = free_port()
    server = subprocess.Popen(
        [
            Path(sys.executable).parent / "uvicorn",
            "bare_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=work,
        env={**os.environ, "BARE_FILE": str(work / "bare.bin"), "BARE_BLOCK": str(CHUNK_SIZE)},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return base, server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("The bare HTTP server did not start.")


def run_rounds(args, size, source, storage, timings, memory, bare_base):
    from django.core.files import File

    with served("bench-files") as (base, env):
        token = login(base)
        organization = get_json(base, "/api/v1/organizations/", token)["results"][0]["id"]
        pid = int(env["SERVER_PID"])
        for _ in range(args.rounds):
            start = time.perf_counter()
            with source.open("rb") as handle:
                name = storage.save("raw.pdf", File(handle))
            timings["raw upload"].append(time.perf_counter() - start)
            start = time.perf_counter()
            with storage.open(name, "rb") as handle:
                while handle.read(CHUNK):
                    pass
            timings["raw download"].append(time.perf_counter() - start)
            storage.delete(name)

            start = time.perf_counter()
            upload(bare_base, token, organization, source, url="/file")
            timings["bare upload"].append(time.perf_counter() - start)
            start = time.perf_counter()
            assert download(f"{bare_base}/file", token) >= size
            timings["bare download"].append(time.perf_counter() - start)

            with PeakMemory(pid) as peak:
                start = time.perf_counter()
                pk = upload(base, token, organization, source)["id"]
                timings["API upload"].append(time.perf_counter() - start)
            memory["upload"].append(peak.above_start)
            with PeakMemory(pid) as peak:
                start = time.perf_counter()
                assert download(f"{base}/api/v1/files/{pk}/download/", token) == size
                timings["API download"].append(time.perf_counter() - start)
            memory["download"].append(peak.above_start)


def parse_in_process(source: Path, rounds: int) -> float:
    """Median seconds of the multipart parser with the API's upload handler reading
    the upload's body from a file in this process."""
    from django.conf import settings
    from django.http.multipartparser import MultiPartParser

    from api.v1.base_models.files.uploads import UploadHandler

    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{source.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    body = source.with_suffix(".body")
    with body.open("wb") as out, source.open("rb") as file:
        out.write(head)
        while block := file.read(CHUNK):
            out.write(block)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(body.stat().st_size),
    }
    settings.FILE_MAX_SIZE = max(settings.FILE_MAX_SIZE, body.stat().st_size)
    seconds = []
    for _ in range(rounds):
        with body.open("rb") as stream:
            start = time.perf_counter()
            _data, files = MultiPartParser(meta, stream, [UploadHandler()]).parse()
            seconds.append(time.perf_counter() - start)
        files["file"].close()
    body.unlink()
    return statistics.median(seconds)


def report(args, timings, memory):
    median = {key: statistics.median(values) for key, values in timings.items()}
    print(f"{args.size_mb} MB, medians of {args.rounds} runs")
    for kind in ("upload", "download"):
        api, raw, bare = (median[f"{way} {kind}"] for way in ("API", "raw", "bare"))
        print(
            f"{kind:<9} API {args.size_mb / api:6.1f} MB/s   raw storage "
            f"{args.size_mb / raw:7.1f} MB/s ({api / raw:5.2f}x)   bare HTTP "
            f"{args.size_mb / bare:6.1f} MB/s ({api / bare:4.2f}x)   "
            f"server peak memory +{max(memory[kind]) / MB:5.1f} MB"
        )


if __name__ == "__main__":
    main()
