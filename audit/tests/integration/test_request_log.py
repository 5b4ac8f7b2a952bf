"""Logs (audit.logs): one line per request with who and how long, the request's id on
every line logged while it is served, each server error once, and the JSON format
production uses, built from the LOGGING setting itself."""

import copy
import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import include, path
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.v1.features.products.tests.factories import ProductFactory
from audit.logs import RequestContextFilter
from rbac.roles import ROLE_NAMES

pytestmark = pytest.mark.django_db


class Broken(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        logging.getLogger("erp.test").warning("about to fail")
        raise RuntimeError("boom")


urlpatterns = [path("api/v1/broken/", Broken.as_view()), path("", include(settings.ROOT_URLCONF))]


class Collector(logging.Handler):
    """The records of the root logger, through the filter the console handler has."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []
        self.addFilter(RequestContextFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def collected():
    handler = Collector()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def request_lines(records):
    return [record for record in records if record.name == "erp.requests"]


def test_one_line_per_request_with_who_and_how_long(collected, jwt_client, org_a, member_of):
    user = member_of(org_a, ROLE_NAMES["member"])
    product = ProductFactory(organization=org_a)
    response = jwt_client(user).get(f"/api/v1/products/{product.pk}/")
    assert response.status_code == 200

    (line,) = request_lines(collected)
    assert line.levelno == logging.INFO
    assert line.request_id == response["X-Request-ID"]
    assert (line.user_id, line.organization_id) == (user.pk, org_a.pk)
    assert (line.method, line.path, line.status) == ("GET", f"/api/v1/products/{product.pk}/", 200)
    assert line.duration_ms >= 0
    assert line.getMessage().startswith(f"GET /api/v1/products/{product.pk}/ 200 ")


def test_a_list_names_the_organization_it_is_filtered_by(collected, jwt_client, org_a, member_of):
    user = member_of(org_a, ROLE_NAMES["member"])
    jwt_client(user).get(f"/api/v1/products/?organization={org_a.pk}")
    jwt_client(user).get("/api/v1/products/?organization=not-a-number")
    first, second = request_lines(collected)
    assert first.organization_id == org_a.pk
    assert second.organization_id is None


def test_an_anonymous_refusal_is_one_line_and_no_warning(collected):
    response = APIClient().get("/api/v1/products/")
    assert response.status_code == 401
    (line,) = request_lines(collected)
    assert (line.status, line.user_id) == (401, None)
    assert [record for record in collected if record.levelno >= logging.WARNING] == []


def test_health_probes_are_quiet(collected):
    APIClient().get("/api/v1/health/live/")
    (line,) = request_lines(collected)
    assert line.levelno == logging.DEBUG


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_logged_once_with_its_request_id(collected):
    response = APIClient(raise_request_exception=False).get("/api/v1/broken/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    errors = [record for record in collected if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "boom" in str(errors[0].exc_info[1])
    assert errors[0].request_id == request_id
    (warning,) = [record for record in collected if record.name == "erp.test"]
    assert warning.request_id == request_id
    (line,) = request_lines(collected)
    assert (line.status, line.request_id) == (500, request_id)


def json_lines(records) -> list[dict]:
    """`records` as the console handler writes them with DJANGO_LOG_FORMAT=json."""
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream = io.StringIO()
    config["root"]["handlers"] = ["console"]
    configurator = logging.config.DictConfigurator(config)
    formatter = configurator.configure_formatter(config["formatters"]["json"])
    for record in records:
        stream.write(formatter.format(record) + "\n")
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@override_settings(ROOT_URLCONF=__name__)
def test_production_lines_are_json_objects(collected, jwt_client, org_a, member_of):
    user = member_of(org_a, ROLE_NAMES["member"])
    jwt_client(user).get(f"/api/v1/products/?organization={org_a.pk}")
    APIClient(raise_request_exception=False).get("/api/v1/broken/")

    request_line, *_, error = json_lines(
        [*request_lines(collected), *[r for r in collected if r.levelno >= logging.ERROR]]
    )
    assert request_line["logger"] == "erp.requests"
    assert request_line["level"] == "INFO"
    assert request_line["user_id"] == user.pk
    assert request_line["organization_id"] == org_a.pk
    assert request_line["status"] == 200
    assert {"time", "message", "request_id", "duration_ms", "path", "method"} <= set(request_line)
    assert error["level"] == "ERROR"
    assert "RuntimeError: boom" in error["exc_info"]
    assert len(error["request_id"]) == 32
