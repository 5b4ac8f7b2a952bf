"""Prometheus metrics (core.metrics, django-prometheus): who may read /metrics, and that
it shows what just happened: requests per view and status, queries, Celery tasks,
WebSocket connections, notifications and import rows. The exposition is read with
Prometheus's own parser (prometheus_client.parser)."""

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from celery import shared_task
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from api.v1.base_models.auth.services import tokens_for
from core import metrics
from notifications.services import send_notification

pytestmark = pytest.mark.django_db

TOKEN = "scrape-0123456789abcdef"


def scrape(client=None, token=TOKEN, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return (client or Client()).get("/metrics", **headers, **extra)


def samples(body: bytes) -> dict:
    """{(sample name, sorted labels): value} of an exposition, as Prometheus parses it."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ""


def test_not_served_where_no_reader_is_configured(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ""
    assert scrape().status_code == 404


def test_a_scraper_without_the_token_is_refused(token):
    for response in (scrape(token=None), scrape(token="wrong")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"erp_" not in response.content


def test_a_scraper_on_an_allowed_network_needs_no_token(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = "10.0.0.0/8, 127.0.0.0/8"
    assert scrape(token=None).status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = "10.0.0.0/8"
    assert scrape(token=None).status_code == 401
    assert scrape(token=None, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_request_just_made_is_counted_by_view_and_status(token):
    client = Client()
    client.get("/api/v1/products/")  # the view's labels exist from here on
    labels = (("method", "GET"), ("status", "401"), ("view", "api-v1:product-list"))
    before = samples(scrape(client).content)
    assert client.get("/api/v1/products/").status_code == 401
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    after = samples(response.content)
    name = "django_http_responses_total_by_status_view_method_total"
    assert after[(name, labels)] == before[(name, labels)] + 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    latency_labels = (("method", "GET"), ("view", "api-v1:product-list"))
    assert after[(latency, latency_labels)] == before[(latency, latency_labels)] + 1


def queries_executed() -> float:
    """django_db_execute_total of the default database, as scraped."""
    (executed,) = [
        sample.value
        for family in text_string_to_metric_families(scrape().content.decode())
        for sample in family.samples
        if sample.name == "django_db_execute_total" and sample.labels["alias"] == "default"
    ]
    return executed


def test_queries_are_counted(token):
    before = queries_executed()
    Client().get("/api/v1/health/ready/")  # queries the database
    assert queries_executed() > before


@shared_task
def _succeeds():
    return "done"


@shared_task
def _fails():
    raise ValueError("as it should")


def test_celery_tasks_are_counted_and_timed():
    name = _succeeds.name
    before = value("erp_celery_tasks_total", task=name, outcome="succeeded")
    timed = value("erp_celery_task_duration_seconds_count", task=name)
    _succeeds.delay()
    assert value("erp_celery_tasks_total", task=name, outcome="succeeded") == before + 1
    assert value("erp_celery_task_duration_seconds_count", task=name) == timed + 1

    failed = value("erp_celery_tasks_total", task=_fails.name, outcome="failed")
    # As a worker runs it: the error is the task's outcome, not raised to the caller.
    assert _fails.apply(throw=False).state == "FAILURE"
    assert value("erp_celery_tasks_total", task=_fails.name, outcome="failed") == failed + 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_open_websocket_connections_are_a_gauge(user):
    from asgiref.sync import sync_to_async

    from config.asgi import application

    access = (await sync_to_async(tokens_for)(user))["access"]
    path = "/ws/health/"
    before = value("erp_websocket_connections", path=path)
    communicator = WebsocketCommunicator(application, f"{path}?token={access}")
    connected, _ = await communicator.connect()
    assert connected
    assert value("erp_websocket_connections", path=path) == before + 1
    await communicator.disconnect()
    assert value("erp_websocket_connections", path=path) == before

    # A path of the client's choosing is no label (no series) of its own.
    made_up = "/ws/made-up-0123/"
    with pytest.raises(ValueError, match="No route found"):
        await WebsocketCommunicator(application, f"{made_up}?token={access}").connect(timeout=1)
    assert REGISTRY.get_sample_value("erp_websocket_connections", {"path": made_up}) is None
    assert REGISTRY.get_sample_value("erp_websocket_connections", {"path": "other"}) == 0


def test_notifications_sent_are_counted(user, superuser, django_capture_on_commit_callbacks):
    users = [user, superuser]
    before = value("erp_notifications_sent_total", channel="in_app")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(users, "system", "Maintenance", "Tonight at ten.")
    assert value("erp_notifications_sent_total", channel="in_app") == before + 2


def test_a_worker_serves_its_metrics_on_its_own_port(token):
    server = metrics.serve_worker_metrics(0, "127.0.0.1")
    assert server is not None
    url = f"http://127.0.0.1:{server.server_port}/metrics"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 401
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            body = response.read()
    finally:
        server.shutdown()
        server.server_close()
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert "erp_celery_tasks" in names


def test_no_worker_metrics_where_metrics_are_off(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ""
    assert metrics.serve_worker_metrics(0, "127.0.0.1") is None


def test_several_processes_values_are_added_up(tmp_path, monkeypatch):
    """What each process of a container writes in PROMETHEUS_MULTIPROC_DIR."""
    program = "from prometheus_client import Counter\nCounter('erp_probe', 'A probe.').inc(3)\n"
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", program], env=environment, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body, _ = metrics.exposition()
    assert samples(body)[("erp_probe_total", ())] == 6


def test_a_network_that_is_none_stops_the_start(settings):
    settings.METRICS_ALLOWED_NETWORKS = "10.0.0.0/8, not-a-network"
    with pytest.raises(SystemCheckError, match="METRICS_ALLOWED_NETWORKS"):
        call_command("check")
