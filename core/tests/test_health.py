"""/api/v1/health/live/ and /api/v1/health/ready/ (core.health), as a load balancer
sees them: no credentials, never cached, and each dependency checked for real (a Redis
client pointed where nothing listens, a migration the database lacks)."""

import logging
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from core import health
from tests.s3 import s3_client

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:1/0"  # a port where nothing listens


def ready(api_client):
    return api_client.get(reverse("api-v1:health-ready"))


@pytest.fixture(autouse=True)
def fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def test_live_answers_without_touching_any_dependency(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get(reverse("api-v1:health-live"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_ready_checks_every_dependency(api_client, settings):
    response = ready(api_client)
    assert response.status_code == 200, response.content
    body = response.json()
    expected = ["database", "migrations", "cache", "storage", "search"]
    if settings.REDIS_URL:
        expected.insert(3, "redis")
    assert body == {"status": "ok", "checks": dict.fromkeys(expected, "ok"), "unavailable": []}
    assert "no-store" in response["Cache-Control"]


def test_the_first_health_url_is_readiness(api_client):
    response = api_client.get(reverse("api-v1:health"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_needs_no_credentials_and_ignores_bad_ones(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert ready(api_client).status_code == 200
    assert api_client.get(reverse("api-v1:health-live")).status_code == 200


def test_unreachable_cache_is_503_naming_it(api_client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NOWHERE,
        }
    }
    response = ready(api_client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["unavailable"] == ["cache"]
    assert body["checks"]["database"] == "ok"


def test_unreachable_redis_is_503_naming_it(api_client, settings, caplog, monkeypatch):
    # Checked where Redis is configured: here pointed at a port where nothing listens.
    monkeypatch.setitem(health._checks, "redis", health.check_redis)
    settings.REDIS_URL = NOWHERE
    response = ready(api_client)
    assert response.status_code == 503
    assert "redis" in response.json()["unavailable"]
    # Why goes to the log, not to the anonymous caller.
    assert "refused" not in response.content.decode().lower()
    assert any("redis unavailable" in record.getMessage() for record in caplog.records)
    # A warning per check that failed, not a server error per probe.
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_unreachable_database_is_503(api_client):
    with mock.patch.object(health.connection, "cursor", side_effect=OperationalError("down")):
        response = ready(api_client)
    assert response.status_code == 503
    assert "database" in response.json()["unavailable"]


def test_a_migration_not_applied_is_503(api_client):
    recorder = MigrationRecorder(connection)
    applied = recorder.migration_qs.get(app="core", name="0001_initial")
    applied.delete()
    try:
        response = ready(api_client)
    finally:
        recorder.record_applied("core", "0001_initial")
    assert response.status_code == 503
    assert response.json()["unavailable"] == ["migrations"]
    # Applied again: ready, and from then on not checked again by this process.
    assert ready(api_client).status_code == 200
    assert health._migrated is True


def test_a_storage_folder_that_cannot_be_made_is_503(api_client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("where the media folder should go")
    settings.MEDIA_ROOT = blocker / "media"
    response = ready(api_client)
    assert response.status_code == 503
    assert response.json()["unavailable"] == ["storage"]


def test_object_storage_is_checked_by_its_bucket(api_client, s3_storage, s3_server):
    assert ready(api_client).status_code == 200
    s3_client(s3_server).delete_bucket(Bucket=s3_storage)
    try:
        response = ready(api_client)
    finally:
        s3_client(s3_server).create_bucket(Bucket=s3_storage)
    assert response.status_code == 503
    assert response.json()["unavailable"] == ["storage"]


def test_the_search_engine_down_is_503(api_client, elasticsearch):
    elasticsearch.down = True
    response = ready(api_client)
    assert response.status_code == 503
    assert response.json()["unavailable"] == ["search"]
    elasticsearch.down = False
    assert ready(api_client).status_code == 200


def test_a_check_that_fails_does_not_stop_the_others():
    calls = []

    def broken():
        calls.append("broken")
        raise RuntimeError("boom")

    health.register("zz-broken", broken)
    health.register("zz-after", lambda: calls.append("after"))
    try:
        outcomes = health.run()
    finally:
        del health._checks["zz-broken"], health._checks["zz-after"]
    assert outcomes["zz-broken"] == "unavailable"
    assert outcomes["zz-after"] == "ok"
    assert calls == ["broken", "after"]


@pytest.mark.parametrize("path", ["/api/v1/health/live/", "/api/v1/health/ready/"])
def test_a_probe_by_the_container_s_address_is_answered(api_client, path):
    """Orchestrators probe a container by its address, which ALLOWED_HOSTS does not name."""
    response = api_client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response["X-Request-ID"]
    # Anything else still needs an allowed host.
    assert api_client.get("/api/v1/currencies/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_a_probe_may_not_write(api_client):
    assert api_client.post("/api/v1/health/ready/", HTTP_HOST="10.1.2.3:8000").status_code == 405
