"""GET /api/v1/tags/: the tags on records the caller may view, with their counts."""

import pytest
from rest_framework.test import APIClient

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    RoleFactory,
    model_permissions,
)
from api.v1.base_models.user.tests.factories import UserFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory

URL = "/api/v1/tags/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org_a = OrganizationFactory(name="A", tags=["emea"])
    org_b = OrganizationFactory(name="B", tags=["secret-b"])
    ContactFactory(organization=org_a, tags=["vip", "lead"])
    ContactFactory(organization=org_a, tags=["vip"])
    ContactFactory(organization=org_b, tags=["vip", "secret-b"])
    ProductFactory(organization=org_a, tags=["sale"])
    ProductFactory(organization=org_b, tags=["sale", "secret-b"])
    reader = RoleFactory(
        permissions=[
            *model_permissions(Contact, "view"),
            *model_permissions(Organization, "view"),
            *model_permissions(Product, "view"),
        ]
    )
    user_a = UserFactory(username="user_a")
    OrganizationMembershipFactory(user=user_a, organization=org_a, role=reader)
    return {"org_a": org_a, "org_b": org_b, "user_a": user_a, "reader": reader}


def counts(response):
    assert response.status_code == 200, response.content
    return {row["name"]: row["count"] for row in response.json()["results"]}


def test_a_member_sees_the_tags_of_their_organization_only(world, jwt_client):
    assert counts(jwt_client(world["user_a"]).get(URL)) == {
        "emea": 1,
        "lead": 1,
        "sale": 1,
        "vip": 2,
    }


def test_a_superuser_sees_every_tag(world, jwt_client):
    root = UserFactory(is_superuser=True, is_staff=True)
    assert counts(jwt_client(root).get(URL)) == {
        "emea": 1,
        "lead": 1,
        "sale": 2,
        "secret-b": 3,
        "vip": 3,
    }


def test_a_short_list_is_one_query_and_a_superusers_reads_no_records(
    world, jwt_client, django_assert_num_queries
):
    client = jwt_client(UserFactory(is_superuser=True, is_staff=True))
    client.get(URL)
    # The user, the tags with their counts (a first page that is not full: no count).
    with django_assert_num_queries(2) as queries:
        assert counts(client.get(URL))["vip"] == 3
    # Every record is theirs: the taggings of each kind, without a subquery of records.
    assert "SELECT" not in queries.captured_queries[-1]["sql"].split("FROM", 1)[1]


def test_a_tag_of_another_organization_is_not_revealed(world, jwt_client):
    client = jwt_client(world["user_a"])
    assert client.get(f"{URL}secret-b/").status_code == 404
    assert counts(client.get(URL, {"search": "secret"})) == {}
    response = client.get(f"{URL}vip/")
    assert response.status_code == 200
    assert response.json() == {"name": "vip", "slug": "vip", "count": 2}


def test_only_the_models_the_role_may_view(world, jwt_client):
    contacts_only = UserFactory()
    OrganizationMembershipFactory(
        user=contacts_only,
        organization=world["org_a"],
        role=RoleFactory(permissions=model_permissions(Contact, "view")),
    )
    assert counts(jwt_client(contacts_only).get(URL)) == {"lead": 1, "vip": 2}
    nobody = UserFactory()
    assert counts(jwt_client(nobody).get(URL)) == {}
    assert APIClient().get(URL).status_code == 401


def test_an_inactive_membership_sees_nothing(world, jwt_client):
    world["user_a"].organization_memberships.update(is_active=False)
    assert counts(jwt_client(world["user_a"]).get(URL)) == {}


def test_by_model_search_and_ordering(world, jwt_client):
    client = jwt_client(world["user_a"])
    assert counts(client.get(URL, {"model": "products.product"})) == {"sale": 1}
    assert counts(client.get(URL, {"model": "contact.contact"})) == {"lead": 1, "vip": 2}
    assert counts(client.get(URL, {"model": "Product"})) == {"sale": 1}
    for unknown in ("audit.auditlog", "auditlog", "tag"):
        response = client.get(URL, {"model": unknown})
        assert response.status_code == 400
        assert "Not a taggable model" in response.json()["model"][0]
    assert counts(client.get(URL, {"search": "VI"})) == {"vip": 2}
    rows = client.get(URL, {"ordering": "-count,name"}).json()["results"]
    assert [row["name"] for row in rows] == ["vip", "emea", "lead", "sale"]


def test_a_constant_number_of_queries(world, jwt_client, django_assert_max_num_queries):
    client = jwt_client(world["user_a"])
    with django_assert_max_num_queries(10) as few:
        counts(client.get(URL))
    for number in range(30):
        ContactFactory(organization=world["org_a"], tags=[f"tag-{number}", "vip"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(counts(client.get(URL, {"page_size": 50}))) == 34


class TestTagLists:
    """The `tags` field of taggable records."""

    def test_names_are_trimmed_and_case_insensitive(self, world, jwt_client):
        writer = UserFactory()
        OrganizationMembershipFactory(
            user=writer,
            organization=world["org_a"],
            role=RoleFactory(permissions=model_permissions(Contact)),
        )
        response = jwt_client(writer).post(
            "/api/v1/contacts/",
            {
                "organization": world["org_a"].pk,
                "first_name": "Ada",
                "tags": [" VIP ", "vip", "Lead", "new"],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        # "VIP" is the existing tag "vip"; the list comes back sorted.
        assert response.json()["tags"] == ["lead", "new", "vip"]
        contact = Contact.objects.get(pk=response.json()["id"])
        assert sorted(contact.tags.names()) == ["lead", "new", "vip"]


def test_every_tag_has_an_addressable_slug_of_its_script(jwt_client):
    superuser = UserFactory(is_superuser=True)
    ProductFactory(tags=["Café", "日本", "!!!", "???"])
    client = jwt_client(superuser)
    rows = {row["name"]: row["slug"] for row in client.get(URL).json()["results"]}
    assert rows["Café"] == "café"
    assert rows["日本"] == "日本"
    assert rows["!!!"].startswith("tag-")
    assert rows["???"].startswith("tag-")
    assert rows["!!!"] != rows["???"]
    for name, slug in rows.items():
        response = client.get(f"{URL}{slug}/")
        assert response.status_code == 200, (name, slug)
        assert response.json()["name"] == name


def test_the_schema_allows_slugs_of_any_script(jwt_client):
    """The pattern holds in JSON Schema's (ECMA) regular expressions too, where \\w is
    ASCII only: it names what a slug may not hold."""
    import re

    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    slug = schema["components"]["schemas"]["Tag"]["properties"]["slug"]
    assert "\\w" not in slug["pattern"]
    for value in ("café", "日本", "tag-0123abcd", "a_b"):
        assert re.fullmatch(slug["pattern"], value, flags=re.ASCII)
    assert not re.fullmatch(slug["pattern"], "a/b", flags=re.ASCII)
