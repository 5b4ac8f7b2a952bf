"""Hostile input on every operation of the schema: NUL characters, lone surrogates,
right-to-left overrides, 10 MB strings, 1,000-deep JSON, numbers past 2^63, dates past
year 9999 or without a UTC equivalent, SQL and template metacharacters, in query
parameters, path parameters and bodies.

Every answer is a 2xx or a 4xx with a JSON object body, never a 500; afterwards nothing
unstorable was stored and every list still reads. An endpoint added later is swept the
day it appears in the schema."""

import json
import re

import pytest
from django.apps import apps
from django.db import models
from rest_framework.test import APIClient

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.common.tests.factories import CategoryFactory, TaxRateFactory
from api.v1.base_models.contact.tests.factories import ContactEmailAddressFactory, ContactFactory
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.inventory.tests.factories import StockLocationFactory, WarehouseFactory
from api.v1.features.products.tests.factories import ProductFactory
from core.inputs import json_problem, text_problem

from .apiwalk import fill, schema_operations

pytestmark = pytest.mark.django_db

BIG = 2**63
# Query-string values, URL-encoded as a client would send them.
QUERY_VALUES = [
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate in (invalid) UTF-8
    "%E2%80%AEevil",  # right-to-left override
    "%27%20OR%201%3D1%20--",
    "%7B%7B7*7%7D%7D%7B%25%20debug%20%25%7D",
    str(BIG),
    str(-BIG - 1),
    "1e30",
    "-5e-324",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00%2B14:00",
    "abc",
    "x" * 9000,
]
FILTER_VALUES = [
    '{"field":"id","op":"eq","value":"\\ud800"}',
    '{"field":"id","op":"in","value":[' + str(BIG) + "]}",
    '{"field":"created_at","op":"gt","value":"9999-12-31T23:59:59-23:59"}',
    '{"field":"created_at","op":"lt","value":"0001-01-01T00:00:00+14:00"}',
    '{"and":' + "[" * 1000 + "]" * 1000 + "}",
    '{"field":"id","op":"eq","value":1e400}',
]
# JSON values for every field of a body.
BODY_VALUES = [
    BIG,
    -BIG - 1,
    10**30,
    1e308,
    -5e-324,
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "' OR 1=1 --",
    "{{7*7}}{% debug %}",
    "\u202eevil",
    "x" * 5000,
    [],
    {},
    [{"a": [1, {"b": None}]}],
    None,
    True,
    -1,
]
UNSTORABLE = ["\x00", "a\x00b", "\ud800", "\udfff", {"\ud800": 1}, {"k": ["\x00"]}]
PATH_VALUES = [str(BIG), "1e30", "-1", "abc", "null", "%00", "%ED%A0%80"]
_PARAMETER = re.compile(r"{[^}]+}")


@pytest.fixture
def world(db):
    """One record of each kind, so that every path can be filled in."""
    superuser = UserFactory(is_superuser=True, is_staff=True)
    organization = OrganizationFactory()
    OrganizationMembershipFactory(user=superuser, organization=organization, role=RoleFactory())
    product = ProductFactory(organization=organization, tags=["sweep"])
    contact = ContactFactory(organization=organization)
    ContactEmailAddressFactory(contact=contact)
    StockLocationFactory(warehouse=WarehouseFactory(organization=organization))
    CategoryFactory()
    TaxRateFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(superuser)['access']}")
    return {"client": client, "product": product}


def _check(response, what):
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400 and response.status_code != 405:
        body = response.json()
        assert isinstance(body, dict), (what, body)
        assert body, what


def _send(client, method, path, body):
    return getattr(client, method)(path, body, content_type="application/json")


def _body_fields(operation) -> list[str]:
    schema = operation.body or {}
    names = list((schema.get("properties") or {}).keys())
    return names or ["name"]


def test_query_parameters(world):
    client = world["client"]
    swept = 0
    for operation in schema_operations():
        if operation.method != "get":
            continue
        path = fill(operation.path)
        if path is None:
            continue
        for parameter in operation.parameters:
            name = parameter["name"]
            values = FILTER_VALUES if name == "filter" else QUERY_VALUES
            for value in values:
                if name == "filter":
                    value = value.replace("%", "%25").replace("+", "%2B").replace("#", "%23")
                response = client.get(f"{path}?{name}={value}")
                _check(response, (str(operation), name, value[:60]))
                swept += 1
    assert swept > 1000


def test_path_parameters(world):
    client = world["client"]
    for operation in schema_operations():
        if "{" not in operation.path or operation.method not in ("get", "delete"):
            continue
        for value in PATH_VALUES:
            path = _PARAMETER.sub(value, operation.path)
            response = getattr(client, operation.method)(path)
            assert response.status_code in (400, 404, 405), (path, response.status_code)


def _unstorable(value) -> bool:
    if isinstance(value, str):
        return text_problem(value) is not None
    return value is not None and json_problem(value) is not None


def _stored_problems():
    """(model, pk, field) of every stored text or JSON value no database could hold."""
    problems = []
    for model in apps.get_models():
        if model._meta.app_label in ("contenttypes", "sessions", "admin"):
            continue
        columns = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        if not columns:
            continue
        names = [field.attname for field in columns]
        for row in model._default_manager.values_list("pk", *names):
            for name, value in zip(names, row[1:], strict=True):
                if _unstorable(value):
                    problems.append((model._meta.label, row[0], name))
    return problems


def test_bodies(world):
    client = world["client"]
    swept = 0
    for operation in schema_operations():
        if operation.method not in ("post", "put", "patch"):
            continue
        path = fill(operation.path)
        if path is None:
            continue
        fields = _body_fields(operation)
        bodies = [json.dumps(dict.fromkeys(fields, value)) for value in BODY_VALUES]
        bodies += [json.dumps(dict.fromkeys(fields, value)) for value in UNSTORABLE]
        bodies.append('{"%s": %s}' % (fields[0], "[" * 1000 + "]" * 1000))  # noqa: UP031
        bodies.append(json.dumps({fields[0]: "x" * 10_000_000}))
        for body in bodies:
            response = _send(client, operation.method, path, body)
            _check(response, (str(operation), body[:80]))
            swept += 1
        if operation.method == "patch":
            # One field at a time reaches the validation that follows the fields'.
            for name in fields:
                for value in BODY_VALUES:
                    response = _send(client, "patch", path, json.dumps({name: value}))
                    _check(response, (str(operation), name, repr(value)[:60]))
                    swept += 1
    assert swept > 500
    # Nothing unstorable got in, and every record still reads.
    assert _stored_problems() == []
    for operation in schema_operations():
        path = fill(operation.path) if operation.method == "get" else None
        if path is not None:
            # A required query parameter (a search's words) gets a plain word.
            required = {p["name"]: "a" for p in operation.parameters if p.get("required")}
            assert client.get(path, required).status_code in (200, 404), str(operation)


def test_unstorable_bodies_are_400s_naming_the_field(world):
    product = world["product"]
    before = (product.name, product.attributes, product.custom_fields)
    for body, field in [
        ('{"attributes": {"\\ud800": 1}}', "attributes"),
        ('{"attributes": {"k": "a\\u0000b"}}', "attributes"),
        ('{"attributes": {"k": [1, {"l": "\\udc00"}]}}', "attributes"),
        ('{"custom_fields": {"k": 1e400}}', "custom_fields"),
        ('{"name": "\\ud83d"}', "name"),
    ]:
        response = _send(world["client"], "patch", f"/api/v1/products/{product.pk}/", body)
        assert response.status_code == 400, body
        assert list(response.json()) == [field], response.json()
    product.refresh_from_db()
    assert (product.name, product.attributes, product.custom_fields) == before
    assert world["client"].get(f"/api/v1/products/{product.pk}/").status_code == 200
