"""Bad input never produces a 500: DRF error shapes for body size, parsing and model validation."""

import json

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import Http404
from rest_framework.exceptions import NotAuthenticated, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView


class EchoView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        return Response({"received": request.data})


class RaisingView(APIView):
    permission_classes = [AllowAny]
    exception = None

    def get(self, request):
        raise self.exception


def _post_json(body: bytes):
    request = APIRequestFactory().post("/", body, content_type="application/json")
    return EchoView.as_view()(request)


def test_json_under_the_limit_is_parsed(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post_json(json.dumps({"a": "x" * 100}).encode())
    assert response.status_code == 200
    assert response.data == {"received": {"a": "x" * 100}}


def test_json_over_the_limit_is_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post_json(json.dumps({"a": "x" * 2000}).encode())
    assert response.status_code == 413
    assert "too large" in response.data["detail"]


def test_malformed_json_is_400():
    response = _post_json(b'{"a": ')
    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]


def test_form_body_over_the_limit_is_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    request = APIRequestFactory().post(
        "/", "a=" + "x" * 500, content_type="application/x-www-form-urlencoded"
    )
    response = EchoView.as_view()(request)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("exception", "status", "body"),
    [
        (
            SuspiciousOperation("Too many fields"),
            400,
            {"detail": "Too many fields", "code": "parse_error"},
        ),
        (ValidationError({"name": ["Bad name."]}), 400, {"name": ["Bad name."]}),
        (ValidationError("Bad thing."), 400, {"non_field_errors": ["Bad thing."]}),
    ],
)
def test_django_exceptions_become_drf_errors(exception, status, body):
    view = RaisingView.as_view(exception=exception)
    response = view(APIRequestFactory().get("/"))
    assert response.status_code == status
    assert response.data == body


@pytest.mark.parametrize(
    ("exception", "status", "code"),
    [
        (NotAuthenticated(), 401, "not_authenticated"),
        (Throttled(wait=3), 429, "throttled"),
        (Http404(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
    ],
)
def test_detail_errors_carry_their_code(exception, status, code):
    response = RaisingView.as_view(exception=exception)(APIRequestFactory().get("/"))
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["detail"]


def test_a_move_the_tree_refuses_is_a_400_on_parent():
    from mptt.exceptions import InvalidMove

    view = RaisingView.as_view(
        exception=InvalidMove("A node may not be made a child of any of its descendants.")
    )
    response = view(APIRequestFactory().get("/"))
    assert response.status_code == 400
    assert response.data == {
        "parent": ["A node may not be made a child of any of its descendants."]
    }
