"""Unknown API paths and unhandled errors answer in the API's JSON error format; other
pages keep Django's."""

from unittest import mock

import pytest
from django.test import Client, RequestFactory

from core import views

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404():
    response = Client().get("/api/v1/no-such-resource/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-resource/", "/api/v1/products/1/no-such-action/", "/api/v9/"]
)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_api_path_is_a_json_404_whatever_the_method(settings, path, method, debug):
    settings.DEBUG = debug
    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_missing_trailing_slash_is_still_redirected():
    response = Client().get("/api/v1/health")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/health/"


def test_an_unknown_page_outside_the_api_is_django_s_404():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unhandled_api_error_is_a_json_500():
    client = Client(raise_request_exception=False)
    with mock.patch.object(views.HealthView, "get", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/health/")
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}
    assert "boom" not in response.content.decode()


def test_an_unhandled_error_outside_the_api_is_django_s_500():
    response = views.server_error(RequestFactory().get("/admin/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
