"""S3-compatible object storage for the tests: moto's server (moto[server]) in a thread of
the test process, on 127.0.0.1 and a port the system picks.

- `s3_server` (session): the server's endpoint URL, "http://127.0.0.1:<port>";
- `s3_storage` (function): a fresh, empty bucket of its own, made the default storage
  (settings.STORAGES from core.storage.storages_from_url), so `default_storage` and every
  FileField save to, read from and delete in it; yields the bucket's name. The bucket is
  emptied and removed afterwards, and pytest-django's `settings` puts the local storage
  back.
- `s3_client(endpoint)`: a boto3 client of that server, to look at the bucket directly.

Nothing reaches AWS: the credentials are fake ("test"/"test"), every client is given the
loopback endpoint, and `s3_storage` clears the environment that could send boto3
elsewhere (profiles, config files, proxies, the instance metadata service).

moto checks neither the signature nor the expiry of a presigned URL: tests can check
what a URL asks for (its X-Amz-* parameters), not that S3 would refuse it once expired.
"""

import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import Message

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from core.storage import storages_from_url

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"

# What could point boto3 (or urllib) anywhere but the loopback endpoint given.
_AWS_ENVIRONMENT_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_S3_SESSION_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_S3_ACCESS_KEY_ID",
    "AWS_S3_SECRET_ACCESS_KEY",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def s3_client(endpoint: str):
    """A boto3 S3 client of the test server (fake credentials, path-style addressing)."""
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    ).client(
        "s3",
        endpoint_url=endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server on 127.0.0.1 for the session: its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch) -> Iterator[str]:
    """A fresh bucket on the test server as the default storage: its name."""
    for name in _AWS_ENVIRONMENT_CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

    bucket = f"test-{uuid.uuid4().hex}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=bucket)
    # Assigning settings.STORAGES sends setting_changed, whose django.test.signals
    # storages_changed handler drops the cached backends and resets default_storage
    # (a LazyObject, which every FileField's .storage is): the next use builds the S3 one.
    settings.STORAGES = storages_from_url(
        f"s3://{ACCESS_KEY}:{SECRET_KEY}@{bucket}?endpoint_url={s3_server}"
        f"&region_name={REGION}&addressing_style=path",
        base=settings.STORAGES,
    )
    if not (isinstance(default_storage, S3Storage) and default_storage.bucket_name == bucket):
        pytest.fail(f"default_storage did not switch to the bucket {bucket}: {default_storage!r}")
    try:
        yield bucket
    finally:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", ()):
                client.delete_object(Bucket=bucket, Key=entry["Key"])
        client.delete_bucket(Bucket=bucket)


def fetch(url: str) -> tuple[int, Message, bytes]:
    """GET `url` directly (no proxy from the environment): status, headers, body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
