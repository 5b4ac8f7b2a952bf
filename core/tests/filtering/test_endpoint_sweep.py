"""Sweep over every list endpoint of the API, so that one added later cannot forget
`?filter=`: each declares its filterable fields, every declared field works in a
filter on the real database, and any other field is a 400."""

import json

import pytest
from rest_framework.test import APIClient

from api.v1.base_models.user.tests.factories import UserFactory
from core.filtering.backends import JSONFilterBackend, allowed_filter_fields
from core.filtering.paths import KEY_PLACEHOLDER, AllowedFields
from tests.apiwalk import list_routes

pytestmark = pytest.mark.django_db


LIST_ROUTES = list_routes()
# Routes under a parent record (".../<int:warehouse_pk>/...") are checked statically
# only: the sweep cannot make the parent of every kind.
PLAIN_ROUTES = [(url, callback) for url, callback in LIST_ROUTES if "<" not in url]


def _model_of(callback):
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    return view.get_serializer_class().Meta.model


@pytest.fixture
def client():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_the_sweep_finds_the_list_endpoints():
    urls = {url for url, _callback in LIST_ROUTES}
    assert {"/api/v1/contacts/", "/api/v1/organizations/", "/api/v1/audit-logs/"} <= urls
    assert len(urls) >= 16


@pytest.mark.parametrize(("url", "callback"), LIST_ROUTES, ids=[url for url, _ in LIST_ROUTES])
def test_every_list_endpoint_allows_filter_fields(url, callback):
    model = _model_of(callback)
    assert JSONFilterBackend in callback.cls.filter_backends, url
    fields = allowed_filter_fields(callback.cls, model)
    assert fields, f"{url}: declare json_filter_fields on {callback.cls.__name__}"
    # Every entry leads to a field of the model (ImproperlyConfigured otherwise).
    AllowedFields(model, fields).check()


@pytest.mark.parametrize(("url", "callback"), PLAIN_ROUTES, ids=[url for url, _ in PLAIN_ROUTES])
def test_every_declared_field_filters_and_others_are_refused(client, url, callback):
    model = _model_of(callback)
    names = AllowedFields(model, allowed_filter_fields(callback.cls, model)).names()
    # All declared fields in one filter, so that each path runs on the real database.
    every_field = {
        "or": [
            {"field": name.replace(KEY_PLACEHOLDER, "sweep"), "op": "isnull", "value": False}
            for name in names
        ]
    }
    response = client.get(url, {"filter": json.dumps(every_field)})
    assert response.status_code == 200, (url, response.content)
    assert "results" in response.json()

    response = client.get(
        url, {"filter": json.dumps({"field": "no_such_field", "op": "eq", "value": "x"})}
    )
    assert response.status_code == 400, (url, response.content)
    (message,) = response.json()["filter"]
    assert message.startswith('Field "no_such_field" cannot be used in a filter'), message

    response = client.get(url, {"filter": "{not json"})
    assert response.status_code == 400, (url, response.content)
