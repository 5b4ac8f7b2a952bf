"""The OpenAPI schema documents `filter` on list operations, with each endpoint's fields."""

import json

import pytest
from drf_spectacular.validation import validate_schema

from api.v1.base_models.organization.models import Organization
from core.filtering.backends import describe_parameter
from core.filtering.paths import AllowedFields

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def parameter(schema, path, method="get"):
    found = [
        item
        for item in schema["paths"][path][method].get("parameters", [])
        if item["name"] == "filter"
    ]
    assert len(found) <= 1
    return found[0] if found else None


def test_contacts_document_filter_with_their_fields(schema):
    documented = parameter(schema, "/api/v1/contacts/")
    assert documented["in"] == "query"
    assert documented["required"] is False
    assert documented["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/FilterNode"}}
    }
    description = documented["description"]
    for name in ("`last_name`", "`tags__name`", "`email_addresses__email`", "`organization__code`"):
        assert name in description
    assert "`custom_fields__<key>`" in description
    for operator in ("`icontains`", "`notin`", "`isnull`"):
        assert operator in description
    assert "At most 5 levels of and/or/not, 30 conditions and 4000 characters." in description
    assert (
        'Example: `{"and": [{"field": "first_name", "op": "icontains", "value": "abc"}, '
        '{"not": {"field": "last_name", "op": "isnull", "value": true}}]}`'
    ) in description
    # Fields of other endpoints are not listed.
    assert "`organization_type__name`" not in description


def test_only_list_operations_document_filter(schema):
    assert parameter(schema, "/api/v1/organizations/") is not None
    assert parameter(schema, "/api/v1/organizations/{id}/descendants/") is not None
    assert parameter(schema, "/api/v1/organizations/{id}/") is None
    assert parameter(schema, "/api/v1/organizations/", "post") is None
    assert parameter(schema, "/api/v1/contacts/{id}/history/") is None
    assert parameter(schema, "/api/v1/categories/tree/{category_type}/") is None


def test_every_list_operation_documents_filter(schema):
    missing = [
        path
        for path, operations in schema["paths"].items()
        if "get" in operations
        and operations["get"]["responses"].get("200", {}).get("content", {})
        and "page" in {item["name"] for item in operations["get"].get("parameters", [])}
        and "/history/" not in path
        and not path.endswith("/versions/")  # a document's versions: an unfiltered list
        and path != "/api/v1/search/"  # results of several types: filters of their own
        and parameter(schema, path) is None
    ]
    assert missing == []


def test_the_deployment_setting_is_documented(api_client, settings):
    settings.ALLOWED_FILTER_FIELDS = {"contact.contact": ["first_name", "custom_fields"]}
    response = api_client.get("/api/schema/?format=json")
    schema = json.loads(response.content)
    validate_schema(schema)
    description = parameter(schema, "/api/v1/contacts/")["description"]
    assert "Fields: `first_name`, `custom_fields__<key>`." in description
    assert 'Example: `{"and": [{"field": "first_name", "op": "icontains", "value": "abc"}' in (
        description
    )


@pytest.mark.parametrize(
    ("fields", "example"),
    [
        (
            ["id", "level"],
            {"and": [{"not": {"field": "level", "op": "isnull", "value": True}}]},
        ),
        (
            ["parent__code", "code", "id"],
            {
                "and": [
                    {"field": "code", "op": "icontains", "value": "abc"},
                    {"not": {"field": "parent__code", "op": "isnull", "value": True}},
                ]
            },
        ),
        (
            ["name"],
            {
                "and": [
                    {"field": "name", "op": "icontains", "value": "abc"},
                    {"not": {"field": "name", "op": "isnull", "value": True}},
                ]
            },
        ),
    ],
)
def test_the_example_uses_the_endpoints_own_fields(fields, example):
    description = describe_parameter(AllowedFields(Organization, fields))
    assert description.endswith(f"Example: `{json.dumps(example)}`")
