"""GET /api/v1/search/: what a member of one organization finds, and how."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.v1.base_models.contact.tests.factories import ContactFactory
from api.v1.base_models.files.tests.factories import docx_with, pdf_with
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.base_models.organization.tests.factories import OrganizationMembershipFactory
from api.v1.features.chat import services as chat
from api.v1.features.inventory.tests.factories import WarehouseFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.searching import declaration_of
from search import services

from .conftest import AUTOCOMPLETE_URL, SEARCH_URL, found

# Every test runs on the database backend, then on Elasticsearch.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


def test_each_organization_finds_only_its_own_records_counts_and_facets_included(
    jwt_client, member_a, member_b, gadgets, org_a, org_b
):
    body_a = jwt_client(member_a).get(SEARCH_URL, {"q": "gadget"}).json()
    assert {(hit["type"], hit["id"]) for hit in body_a["results"]} == {
        ("product", gadgets["a"].pk),
        ("product", gadgets["a2"].pk),
    }
    assert body_a["count"] == 2
    assert body_a["facets"]["type"] == [{"value": "product", "count": 2}]
    assert body_a["facets"]["organization"] == [{"value": org_a.pk, "name": "Acme", "count": 2}]

    body_b = jwt_client(member_b).get(SEARCH_URL, {"q": "gadget"}).json()
    assert [(hit["id"], hit["organization"]) for hit in body_b["results"]] == [
        (gadgets["b"].pk, org_b.pk)
    ]
    assert body_b["facets"]["organization"] == [{"value": org_b.pk, "name": "Globex", "count": 1}]


def test_results_are_ranked_titled_highlighted_and_linked(jwt_client, member_a, gadgets):
    results = jwt_client(member_a).get(SEARCH_URL, {"q": "gadget"}).json()["results"]
    # The name outweighs the description.
    assert [hit["id"] for hit in results] == [gadgets["a"].pk, gadgets["a2"].pk]
    first, second = results
    assert first["title"] == "Gadget Pro"
    assert first["snippet"] == "<mark>Gadget</mark> Pro"
    assert first["field"] == "name"
    assert first["url"] == f"http://testserver/api/v1/products/{gadgets['a'].pk}/"
    assert first["score"] > second["score"] > 0
    assert second["field"] == "description"
    assert second["snippet"] == "Works with a <mark>gadget</mark>"


def test_every_kind_at_once_or_only_the_types_asked(jwt_client, member_a, org_a, indexed):
    with indexed():
        product = ProductFactory(organization=org_a, name="Falcon drill")
        contact = ContactFactory(organization=org_a, first_name="Falcon", last_name="Smith")
        warehouse = WarehouseFactory(organization=org_a, name="Falcon depot")
    client = jwt_client(member_a)
    assert found(client.get(SEARCH_URL, {"q": "falcon"})) == {
        ("product", product.pk),
        ("contact", contact.pk),
        ("warehouse", warehouse.pk),
    }
    assert found(client.get(SEARCH_URL, {"q": "falcon", "type": "contact,warehouse"})) == {
        ("contact", contact.pk),
        ("warehouse", warehouse.pk),
    }
    response = client.get(SEARCH_URL, {"q": "falcon", "type": "spaceship"})
    assert response.status_code == 400
    assert "spaceship" in response.json()["type"][0]


def test_organizations_themselves_are_found_by_their_members(jwt_client, member_a, org_a, org_b):
    services.rebuild(declaration_of(Organization))
    client = jwt_client(member_a)
    assert found(client.get(SEARCH_URL, {"q": "acme"})) == {("organization", org_a.pk)}
    assert found(client.get(SEARCH_URL, {"q": "globex"})) == set()


def test_prefixes_accents_and_phrases(jwt_client, member_a, org_a, indexed):
    with indexed():
        cafe = ProductFactory(organization=org_a, name="Café crème", description="Strong and dark")
        other = ProductFactory(organization=org_a, name="Dark strong tea", description="")
    client = jwt_client(member_a)
    assert found(client.get(SEARCH_URL, {"q": "cafe"})) == {("product", cafe.pk)}
    assert found(client.get(SEARCH_URL, {"q": "CRÈ"})) == {("product", cafe.pk)}
    assert found(client.get(SEARCH_URL, {"q": "strong dark"})) == {
        ("product", cafe.pk),
        ("product", other.pk),
    }
    assert found(client.get(SEARCH_URL, {"q": '"strong and dark"'})) == {("product", cafe.pk)}
    assert found(client.get(SEARCH_URL, {"q": '"dark strong"'})) == {("product", other.pk)}


def test_filters_organization_tags_status_and_dates(jwt_client, member_of, org_a, org_b, indexed):
    user = member_of(org_a, "Organization Member")
    OrganizationMembershipFactory(
        user=user, organization=org_b, role=Group.objects.get(name="Organization Member")
    )
    with indexed():
        tagged = ProductFactory(organization=org_a, name="Lamp red", tags=["Sale", "Indoor"])
        active = ProductFactory(organization=org_a, name="Lamp blue", status="active")
        elsewhere = ProductFactory(organization=org_b, name="Lamp green")
    client = jwt_client(user)
    assert len(found(client.get(SEARCH_URL, {"q": "lamp"}))) == 3
    assert found(client.get(SEARCH_URL, {"q": "lamp", "organization": org_b.pk})) == {
        ("product", elsewhere.pk)
    }
    assert found(client.get(SEARCH_URL, {"q": "lamp", "tags": "sale,INDOOR"})) == {
        ("product", tagged.pk)
    }
    assert found(client.get(SEARCH_URL, {"q": "lamp", "tags": "sale,outdoor"})) == set()
    assert found(client.get(SEARCH_URL, {"q": "lamp", "status": "active"})) == {
        ("product", active.pk)
    }
    today = tagged.created_at.date().isoformat()
    assert len(found(client.get(SEARCH_URL, {"q": "lamp", "created_after": today}))) == 3
    assert found(client.get(SEARCH_URL, {"q": "lamp", "created_before": "2000-01-01"})) == set()


def test_a_hidden_field_never_matches_nor_shows(jwt_client, member_a, org_a, hide, indexed):
    with indexed():
        product = ProductFactory(
            organization=org_a, name="Plain lamp", description="secret supplier Zorblax"
        )
    client = jwt_client(member_a)
    assert found(client.get(SEARCH_URL, {"q": "zorblax"})) == {("product", product.pk)}

    hide("Organization Member", Product, "description")
    client = jwt_client(member_a)
    assert found(client.get(SEARCH_URL, {"q": "zorblax"})) == set()
    body = client.get(SEARCH_URL, {"q": "plain"}).json()
    assert [hit["id"] for hit in body["results"]] == [product.pk]
    assert "Zorblax" not in str(body)
    assert "supplier" not in str(body)
    assert body["results"][0]["field"] == "name"
    assert body["count"] == 1


def test_a_hidden_title_is_not_shown(jwt_client, member_a, org_a, hide, indexed):
    with indexed():
        product = ProductFactory(organization=org_a, name="Secret name", description="Lamp")
    hide("Organization Member", Product, "name")
    body = jwt_client(member_a).get(SEARCH_URL, {"q": "lamp"}).json()
    assert body["results"][0]["title"] == f"Product {product.pk}"
    assert found(jwt_client(member_a).get(SEARCH_URL, {"q": "secret"})) == set()


def test_the_index_follows_updates_and_deletions(jwt_client, member_of, org_a, gadgets, indexed):
    client = jwt_client(member_of(org_a, "Organization Administrator"))
    product = gadgets["a"]
    with indexed():
        response = client.patch(f"/api/v1/products/{product.pk}/", {"name": "Sprocket"})
    assert response.status_code == 200
    assert ("product", product.pk) not in found(client.get(SEARCH_URL, {"q": "pro"}))
    assert found(client.get(SEARCH_URL, {"q": "sprocket"})) == {("product", product.pk)}

    with indexed():
        assert client.delete(f"/api/v1/products/{product.pk}/").status_code == 204
    assert found(client.get(SEARCH_URL, {"q": "sprocket"})) == set()


def test_a_membership_change_takes_effect_on_the_next_query(jwt_client, member_a, gadgets):
    client = jwt_client(member_a)
    assert len(found(client.get(SEARCH_URL, {"q": "gadget"}))) == 2
    OrganizationMembership.objects.filter(user=member_a).update(is_active=False)
    assert found(jwt_client(member_a).get(SEARCH_URL, {"q": "gadget"})) == set()


def test_pagination(jwt_client, member_a, org_a, indexed):
    with indexed():
        for number in range(5):
            ProductFactory(organization=org_a, name=f"Bolt {number}")
    client = jwt_client(member_a)
    first = client.get(SEARCH_URL, {"q": "bolt", "page_size": 2}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert third["next"] is None
    assert len(third["results"]) == 1
    ids = [hit["id"] for page in (first, second, third) for hit in page["results"]]
    assert len(set(ids)) == 5
    response = client.get(SEARCH_URL, {"q": "bolt", "page": 10_000})
    assert response.status_code == 400
    assert "page" in response.json()


def test_autocomplete(jwt_client, member_a, member_b, gadgets):
    body = jwt_client(member_a).get(AUTOCOMPLETE_URL, {"q": "gadg"}).json()
    # Titles only: the Widget's description mentions a gadget.
    assert [(hit["type"], hit["id"], hit["title"]) for hit in body["results"]] == [
        ("product", gadgets["a"].pk, "Gadget Pro")
    ]
    body = jwt_client(member_b).get(AUTOCOMPLETE_URL, {"q": "gadget m", "limit": 3}).json()
    assert [hit["id"] for hit in body["results"]] == [gadgets["b"].pk]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "*",
        "&& || !",
        '"',
        "x" * 10_000,
    ],
)
def test_queries_without_words_or_too_long_are_refused(jwt_client, member_a, query):
    for url in (SEARCH_URL, AUTOCOMPLETE_URL):
        response = jwt_client(member_a).get(url, {"q": query})
        assert response.status_code == 400, (url, query)
        assert "q" in response.json()


@pytest.mark.parametrize(
    "query",
    [
        'gadget "pro',
        "gadget*",
        "name:gadget AND sku:A-1",
        "gadget' OR 1=1; --",
        "(gadget) -pro +max ~2 ^3 /regex/",
        "gadget)",
        "'gadget'",
    ],
)
def test_query_syntax_is_read_as_words(jwt_client, member_a, gadgets, query):
    response = jwt_client(member_a).get(SEARCH_URL, {"q": query})
    assert response.status_code == 200, response.content
    response = jwt_client(member_a).get(AUTOCOMPLETE_URL, {"q": query})
    assert response.status_code == 200, response.content


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(SEARCH_URL, {"q": "x"}).status_code == 401
    assert api_client.get(AUTOCOMPLETE_URL, {"q": "x"}).status_code == 401


def test_comments_are_found_until_hidden(jwt_client, member_a, member_of, org_a, indexed):
    product = ProductFactory(organization=org_a, name="Chair")
    moderator = jwt_client(member_of(org_a, "Organization Administrator"))
    with indexed():
        response = jwt_client(member_a).post(
            "/api/v1/comments/",
            {
                "content_type": "products.product",
                "object_id": product.pk,
                "content": "The armrest <b>wobbles</b> badly",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    comment = response.json()["id"]
    body = jwt_client(member_a).get(SEARCH_URL, {"q": "wobbl"}).json()
    (hit,) = body["results"]
    assert (hit["type"], hit["id"]) == ("comment", comment)
    assert hit["title"] == "The armrest <b>wobbles</b> badly"
    assert hit["snippet"] == "The armrest &lt;b&gt;<mark>wobbles</mark>&lt;/b&gt; badly"
    assert hit["url"].endswith(f"/api/v1/comments/{comment}/")

    with indexed():
        assert moderator.post(f"/api/v1/comments/{comment}/hide/").status_code == 200
    assert found(jwt_client(member_a).get(SEARCH_URL, {"q": "wobbl"})) == set()


def test_chat_messages_are_found_by_those_who_see_their_room(
    jwt_client, member_a, member_of, org_a, indexed
):
    outsider = member_of(org_a, "Organization Member")
    friend = member_of(org_a, "Organization Member")
    room = chat.create_room(org_a, member_a, "GROUP", "Launch", [friend.pk])
    with indexed():
        message, _created = chat.post_message(room, friend, content="Rocket launch at noon")
    body = jwt_client(member_a).get(SEARCH_URL, {"q": "rocket"}).json()
    (hit,) = body["results"]
    assert (hit["type"], hit["id"]) == ("chatmessage", message.pk)
    assert hit["url"].endswith(f"/api/v1/chat/rooms/{room.pk}/messages/{message.pk}/")
    assert found(jwt_client(outsider).get(SEARCH_URL, {"q": "rocket"})) == set()

    with indexed():
        chat.delete_message(message)
    assert found(jwt_client(member_a).get(SEARCH_URL, {"q": "rocket"})) == set()


def test_a_typo_finds_the_word_where_the_backend_can(jwt_client, member_a, gadgets, search_backend):
    if search_backend == "database" and connection.vendor != "postgresql":
        pytest.skip("SQLite's full-text search has no typo tolerance")
    assert ("product", gadgets["a"].pk) in found(
        jwt_client(member_a).get(SEARCH_URL, {"q": "gadgte"})
    )


def test_a_page_costs_the_same_queries_whatever_its_size(jwt_client, member_a, org_a, indexed):
    with indexed():
        for number in range(30):
            ProductFactory(organization=org_a, name=f"Bolt {number}", tags=["hardware"])
    client = jwt_client(member_a)
    counts = []
    for size in (2, 30):
        client.get(SEARCH_URL, {"q": "bolt", "page_size": size})  # caches warmed
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SEARCH_URL, {"q": "bolt", "page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_documents_are_found_by_the_text_of_their_current_file(
    jwt_client, member_of, member_b, org_a, indexed
):
    client = jwt_client(member_of(org_a, "Organization Administrator"))
    with indexed():
        response = client.post(
            "/api/v1/documents/",
            {
                "organization": org_a.pk,
                "title": "Lease",
                "file": SimpleUploadedFile("lease.pdf", pdf_with("The zebra clause applies")),
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    document = response.json()["id"]
    [hit] = client.get(SEARCH_URL, {"q": "zebra clause"}).json()["results"]
    assert (hit["type"], hit["id"], hit["field"]) == ("document", document, "content")
    assert hit["snippet"] == "The <mark>zebra</mark> <mark>clause</mark> applies"
    assert found(jwt_client(member_b).get(SEARCH_URL, {"q": "zebra"})) == set()

    # A new version's text replaces the old one's.
    with indexed():
        response = client.post(
            f"/api/v1/documents/{document}/versions/",
            {"file": SimpleUploadedFile("lease.docx", docx_with("Giraffe terms"))},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert found(client.get(SEARCH_URL, {"q": "zebra"})) == set()
    assert found(client.get(SEARCH_URL, {"q": "giraffe"})) == {("document", document)}
