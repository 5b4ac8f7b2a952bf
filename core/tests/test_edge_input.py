"""The edge of the API: query strings no database can compare with, stored values JSON
cannot carry (rows written before the parsers refused them), server errors with DEBUG
on, and the failed-attempt throttle's key."""

import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import path
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.tests.factories import ProductFactory
from audit.models import AuditLog
from audit.services import log_audit_event
from core.inputs import form_errors, json_errors, json_problem, text_problem
from core.throttling import FailedAttemptThrottle

pytestmark = pytest.mark.django_db


# ----------------------------------------------------------------------- core.inputs
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("fine ✓ ‮", None),
        ("a\x00b", "Null characters (U+0000) are not allowed."),
        ("\ud800", "Unpaired surrogate characters (U+D800) are not allowed."),
        ("\U0001f600", None),  # a real pair, as JSON decodes "\ud83d\ude00"
    ],
)
def test_text_problem(value, problem):
    assert text_problem(value) == problem


def test_json_problem_names_the_path_at_any_depth():
    assert json_problem({"a": [1, {"b": "\x00"}]})[0] == ["a", "1", "b"]
    assert json_problem({"\udc00": 1})[0] == ["\udc00"]
    assert json_problem([float("inf")]) == (["0"], "Numbers must be finite.")
    deep = current = []
    for _ in range(100):
        current.append([])
        current = current[0]
    assert json_problem(deep, max_depth=32)[1] == "Nested deeper than 32 levels."
    assert json_problem(deep, max_depth=200) is None
    assert json_problem({"a": [1, "ok", {"b": None, "c": 1.5}]}) is None


def test_json_errors_key_by_field_and_escape_what_cannot_be_printed():
    assert json_errors({"name": "ok", "attributes": {"\ud800": 1}}) == {
        "attributes": [
            "Unpaired surrogate characters (U+D800) are not allowed (at attributes.\\ud800)."
        ]
    }
    assert json_errors({"\x00": 1}) == {
        "\\u0000": ["Null characters (U+0000) are not allowed (at \\u0000)."]
    }
    assert json_errors(["\x00"]) == {
        "non_field_errors": ["Null characters (U+0000) are not allowed (at 0)."]
    }
    assert json_errors({"name": "ok"}) is None


def test_form_errors_check_keys_values_and_length():
    from django.http import QueryDict

    assert form_errors(QueryDict("a=1&b=2"), max_length=10) is None
    assert form_errors(QueryDict("a=%00"), max_length=10) == {
        "a": ["Null characters (U+0000) are not allowed."]
    }
    assert form_errors(QueryDict("a=" + "x" * 11), max_length=10) == {
        "a": ["At most 10 characters."]
    }
    assert "\\u0000" in form_errors(QueryDict("%00=1"))


# --------------------------------------------------------------------- query strings
def test_the_admin_refuses_a_nul_in_the_query_string(admin_client):
    response = admin_client.get("/admin/products/product/?q=%00")
    assert response.status_code == 400


@override_settings(QUERY_PARAM_MAX_LENGTH=100)
def test_an_over_long_api_parameter_is_a_400_naming_it(jwt_client):
    client = jwt_client(UserFactory())
    response = client.get("/api/v1/products/?search=" + "x" * 101)
    assert response.status_code == 400
    assert response.json() == {"search": ["At most 100 characters."]}
    assert client.get("/api/v1/products/?search=" + "x" * 100).status_code == 200


def test_a_form_body_with_a_nul_is_a_400(jwt_client):
    response = jwt_client(UserFactory()).post(
        "/api/v1/auth/password/change/",
        "old_password=a%00&new_password=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json() == {"old_password": ["Null characters (U+0000) are not allowed."]}


# ------------------------------------------------------------- stored before the fix
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's jsonb never held a lone surrogate"
)
def test_a_stored_lone_surrogate_reads_as_a_replacement_character(admin_client, jwt_client):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    product = ProductFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE products_product SET attributes = %s WHERE id = %s",
            ['{"\\ud800": "x\\udc00y", "ok": "\\ud83d\\ude00"}', product.pk],
        )
    log_audit_event(
        "UPDATE",
        content_object=product,
        changes={"attributes": {"old": {}, "new": {"\ud800": "x\udc00y"}}},
    )
    client = jwt_client(superuser)

    detail = client.get(f"/api/v1/products/{product.pk}/")
    assert detail.status_code == 200
    assert detail.json()["attributes"] == {"\ufffd": "x\ufffdy", "ok": "\U0001f600"}
    assert client.get("/api/v1/products/").status_code == 200
    logs = client.get("/api/v1/audit-logs/")
    assert logs.status_code == 200
    assert {"\ufffd": "x\ufffdy"} in [
        row["changes"]["attributes"]["new"]
        for row in logs.json()["results"]
        if row["changes"] and "attributes" in row["changes"]
    ]
    assert client.get(f"/api/v1/products/{product.pk}/history/").status_code == 200
    admin_client.force_login(superuser)
    assert admin_client.get(f"/admin/products/product/{product.pk}/change/").status_code == 200
    log = AuditLog.objects.filter(object_id=str(product.pk)).latest("id")
    assert admin_client.get(f"/admin/audit/auditlog/{log.pk}/change/").status_code == 200


# --------------------------------------------------------------------- server errors
class Broken(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        raise RuntimeError("boom")


urlpatterns = [path("api/v1/broken/", Broken.as_view()), path("broken/", Broken.as_view())]


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_with_debug_on_an_api_500_is_the_documented_json_logged_once(caplog):
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/broken/")
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}
    tracebacks = [record for record in caplog.records if record.exc_info]
    assert len(tracebacks) == 1
    assert "boom" in str(tracebacks[0].exc_info[1])


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_with_debug_on_other_pages_keep_django_s_debug_page():
    response = APIClient(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/")


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_the_test_client_still_sees_the_exception():
    with pytest.raises(RuntimeError, match="boom"):
        APIClient().get("/api/v1/broken/")


# -------------------------------------------------------------------------- throttle
def test_the_throttle_key_takes_any_text():
    class View:
        throttle_scope = "login"

        def get_failed_attempt_ident(self, request, throttle):
            return "user:\ud800"

    throttle = FailedAttemptThrottle()
    assert throttle.allow_request(object(), View()) is True
    assert throttle.key.startswith("throttle_failures_login_")


def test_django_s_errors_reach_the_root_handler_only():
    """Each server error's traceback is printed once: no handler of Django's own (its
    DEBUG console handler) beside the root's."""
    handlers = []
    logger = logging.getLogger("django.request")
    while logger.parent is not None:  # up to the root, which is not counted
        handlers += logger.handlers
        assert logger.propagate
        logger = logger.parent
    assert handlers == []


@pytest.mark.parametrize("path", ["/api/v1/categories/%00/", "/api/v1/products/1%00/history/"])
def test_a_nul_in_the_path_names_no_record(jwt_client, path):
    response = jwt_client(UserFactory(is_superuser=True)).get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_nul_in_an_admin_path_is_a_404(admin_client):
    assert admin_client.get("/admin/products/product/%00/change/").status_code == 404


@override_settings(DEBUG=True)
def test_an_unknown_api_path_with_a_newline_is_the_json_404(jwt_client):
    response = jwt_client(UserFactory()).get("/api/v1/organization-types/a%0Ab/x/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "query",
    [
        "created_after=0675-05-24T23:32:28-16:45",
        "created_before=2026-01-01T00:00:00%2B23:59",
        'filter={"field":"created_at","op":"gt","value":"0675-05-24T23:32:28-16:45"}',
    ],
)
def test_offsets_past_what_postgresql_reads_are_compared_in_utc(jwt_client, query):
    response = jwt_client(UserFactory(is_superuser=True)).get(f"/api/v1/audit-logs/?{query}")
    assert response.status_code == 200, response.content
