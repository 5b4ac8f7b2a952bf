"""Fixtures of the scale-out test: the system served by several processes (`system`:
processes.System, its web processes and workers started once for the module), and the
processes' output added to the report of a test that fails while they run.

Redis databases: the test process's cache and channel layer use one database
(config.settings.test: REDIS_URL's, shifted by the pytest-xdist worker's number), which
every test empties (tests.plugin's cache.clear()). The processes get that database by
URL, so that the test process sees what they keep there (presence, throttles) and
empties it for them between tests. Celery's broker and results go to another database,
one no pytest-xdist worker's cache uses, of this worker only: two workers' scale-out
tests never share a queue, and emptying the cache never loses a queued task.
"""

import os
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection

from api.v1.features.chat.tests.live import database_url
from tests.s3 import _AWS_ENVIRONMENT_CLEARED, ACCESS_KEY, REGION, SECRET_KEY, s3_client

from .processes import SETTINGS, System, redis_database, with_redis_database

REDIS_DATABASES = 16  # Redis's default `databases`


def broker_database() -> int:
    """A Redis database for this pytest-xdist worker's Celery broker that no worker's
    cache uses (see the module's docstring)."""
    base = redis_database(settings.REDIS_URL)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    number = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
    caches = {(base + worker) % REDIS_DATABASES for worker in range(workers)}
    chosen = (base + workers + number) % REDIS_DATABASES
    if chosen in caches:
        pytest.skip(f"{workers} pytest-xdist workers leave no Redis database for a broker.")
    return chosen


def empty_bucket(client, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", ()):
            client.delete_object(Bucket=bucket, Key=entry["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture(scope="module")
def system(django_db_setup, s3_server, tmp_path_factory):
    """Two web processes and two workers started (beat is started by the tests that
    need it), on the test database, the test process's Redis database, a broker
    database and a bucket of their own; stopped at the end of the module whatever
    happened."""
    cache_url = settings.CACHES["default"]["LOCATION"]
    layer_url = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"]
    assert layer_url == cache_url, "The cache and the channel layer use one Redis database."
    broker_url = with_redis_database(settings.REDIS_URL, broker_database())
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()  # what an interrupted run may have left queued
    client = s3_client(s3_server)
    bucket = f"scaleout-{uuid.uuid4().hex}"
    client.create_bucket(Bucket=bucket)
    directory = tmp_path_factory.mktemp("scaleout")
    system = System.create(
        directory,
        database_url=database_url(connection, directory),
        redis_url=cache_url,
        broker_url=broker_url,
        storage_url=(
            f"s3://{ACCESS_KEY}:{SECRET_KEY}@{bucket}?endpoint_url={s3_server}"
            f"&region_name={REGION}&addressing_style=path"
        ),
        bucket=bucket,
        settings={
            **SETTINGS,
            # Nothing but the loopback endpoint for boto3 (as tests.s3.s3_storage).
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        },
        clear_environment=_AWS_ENVIRONMENT_CLEARED,
    )
    try:
        system.start()
        yield system
    finally:
        system.stop()
        broker.flushdb()
        broker.close()
        empty_bucket(client, bucket)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the last lines of each process's output."""
    report = yield
    system = getattr(item, "funcargs", {}).get("system")
    if report.failed and isinstance(system, System):
        report.sections.append(("output of the scale-out processes", system.tails()))
    return report
