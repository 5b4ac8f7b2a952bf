"""Fixtures of the search tests: organizations A (Acme) and B (Globex) whose records
share words, their members, and `indexed`, under which records created or changed are
indexed as in production (their model change events, once the transaction commits)."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from rbac.models import FieldPermission

SEARCH_URL = "/api/v1/search/"
AUTOCOMPLETE_URL = "/api/v1/search/autocomplete/"


@pytest.fixture(params=["database", "elasticsearch"])
def search_backend(request):
    """Each test using it runs on the database backend, then on Elasticsearch (the
    stand-in server of tests/elasticsearch.py): the name of the backend."""
    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch")
    return request.param


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """`with indexed():` records written inside are indexed when the block ends."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def member_a(member_of, org_a):
    return member_of(org_a, "Organization Member", username="member_a")


@pytest.fixture
def member_b(member_of, org_b):
    return member_of(org_b, "Organization Member", username="member_b")


@pytest.fixture
def gadgets(indexed, org_a, org_b):
    """A "Gadget" product in each organization, and one more in A."""
    with indexed():
        return {
            "a": ProductFactory(
                organization=org_a, name="Gadget Pro", sku="A-1", description="Acme's best"
            ),
            "a2": ProductFactory(
                organization=org_a, name="Widget", sku="A-2", description="Works with a gadget"
            ),
            "b": ProductFactory(
                organization=org_b, name="Gadget Max", sku="B-1", description="Globex's own"
            ),
        }


@pytest.fixture
def hide():
    """hide(role name, model, field): the role may no longer read the field."""

    def make(role_name, model, field):
        return FieldPermission.objects.create(
            role=Group.objects.get(name=role_name),
            content_type=ContentType.objects.get_for_model(model),
            field_name=field,
            can_read=False,
            can_write=False,
        )

    return make


def found(response) -> set[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return {(hit["type"], hit["id"]) for hit in response.json()["results"]}


__all__ = ["Product", "found"]
