"""The Elasticsearch backend's requests, as the stand-in server receives them: the
index mapping, the bulk bodies, the query with the caller's organizations, the alias
swapped by a rebuild; and an engine that is down (the API tests of test_api.py run on
this backend too)."""

import base64

import pytest

from api.v1.features.meetings.tests.factories import MeetingFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.searching import declaration_of
from search import services
from search.backends import elasticsearch as backend
from search.backends.elasticsearch import INDEX_BODY

from .conftest import AUTOCOMPLETE_URL, SEARCH_URL, found

pytestmark = pytest.mark.django_db

ALIAS = "erp-products-product"


def requests_to(cluster, method, fragment):
    return [r for r in cluster.requests if r["method"] == method and fragment in r["path"]]


def test_the_index_is_created_with_its_mapping_and_fed_by_bulk(elasticsearch, org_a, indexed):
    with indexed():
        product = ProductFactory(
            organization=org_a, name="Café Gadget", sku="G-1", tags=["Sale"], status="draft"
        )
    created = requests_to(elasticsearch, "PUT", f"/{ALIAS}-")
    assert [request["body"] for request in created] == [INDEX_BODY]
    assert elasticsearch.aliases[ALIAS] == {f"{ALIAS}-initial"}
    # Indexed when created, and again when tagged (its tags are a change of their own).
    bulk = requests_to(elasticsearch, "POST", "/_bulk")[-1]
    action, source = bulk["body"]
    assert action == {"index": {"_index": ALIAS, "_id": str(product.pk)}}
    assert source["type"] == "products.product"
    assert source["organization_id"] == org_a.pk
    assert source["title"] == "cafe gadget"
    assert source["suggest"] == "cafe gadget g 1"
    assert source["fields"]["name"] == "cafe gadget"
    assert source["tags"] == ["sale"]
    assert source["status"] == "draft"
    # The URL's credentials, as HTTP basic authentication.
    expected = "Basic " + base64.b64encode(b"elastic:secret").decode()
    assert all(request["authorization"] == expected for request in elasticsearch.requests)


def test_a_search_filters_on_the_callers_organizations_in_the_query(
    elasticsearch, jwt_client, member_a, org_a, indexed
):
    with indexed():
        ProductFactory(organization=org_a, name="Gadget")
    assert len(found(jwt_client(member_a).get(SEARCH_URL, {"q": "gadget"}))) == 1
    (search,) = requests_to(elasticsearch, "POST", "/_search")
    assert search["path"].startswith("/erp-")
    assert "ignore_unavailable=true" in search["path"]
    branches = search["body"]["query"]["bool"]["should"]
    assert branches  # one per type the member may view
    for branch in branches:
        conditions = branch["bool"]["filter"]
        assert {"terms": {"organization_id": [org_a.pk]}} in conditions
    assert search["body"]["aggs"]["organizations"]["terms"]["field"] == "organization_id"


def test_autocomplete_matches_the_suggest_field(
    elasticsearch, jwt_client, member_a, org_a, indexed
):
    with indexed():
        product = ProductFactory(organization=org_a, name="Gadget Pro")
    body = jwt_client(member_a).get(AUTOCOMPLETE_URL, {"q": "gad"}).json()
    assert [hit["id"] for hit in body["results"]] == [product.pk]
    search = requests_to(elasticsearch, "POST", "/_search")[-1]
    branch = search["body"]["query"]["bool"]["should"][0]["bool"]
    assert branch["must"] == [{"bool": {"must": [{"match": {"suggest": {"query": "gad"}}}]}}]


def test_a_deleted_record_is_deleted_from_the_index(
    elasticsearch, jwt_client, member_of, org_a, indexed
):
    with indexed():
        product = ProductFactory(organization=org_a, name="Gadget")
    client = jwt_client(member_of(org_a, "Organization Administrator"))
    with indexed():
        assert client.delete(f"/api/v1/products/{product.pk}/").status_code == 204
    (bulk,) = [r for r in requests_to(elasticsearch, "POST", "/_bulk") if "delete" in r["body"][0]]
    assert bulk["body"] == [{"delete": {"_index": ALIAS, "_id": str(product.pk)}}]


def test_a_rebuild_fills_a_new_index_then_swaps_the_alias(elasticsearch, org_a, indexed):
    with indexed():
        ProductFactory.create_batch(3, organization=org_a)
    assert services.rebuild(declaration_of(Product)) == 3
    (current,) = elasticsearch.aliases[ALIAS]
    assert current != f"{ALIAS}-initial"
    assert f"{ALIAS}-initial" not in elasticsearch.indexes
    assert len(elasticsearch.indexes[current].documents) == 3
    (swap,) = requests_to(elasticsearch, "POST", "/_aliases")[-1:]
    assert swap["body"] == {
        "actions": [
            {"add": {"index": current, "alias": ALIAS}},
            {"remove": {"index": f"{ALIAS}-initial", "alias": ALIAS}},
        ]
    }


def test_an_engine_down_is_a_503_and_never_fails_a_write(
    elasticsearch, jwt_client, member_of, org_a, indexed
):
    admin = member_of(org_a, "Organization Administrator")
    product = ProductFactory(organization=org_a, name="Before")
    elasticsearch.down = True
    client = jwt_client(admin)
    response = client.get(SEARCH_URL, {"q": "gadget"})
    assert response.status_code == 503
    assert response.json()["code"] == "search_unavailable"
    assert client.get(AUTOCOMPLETE_URL, {"q": "gadget"}).status_code == 503
    with indexed():
        response = client.patch(f"/api/v1/products/{product.pk}/", {"name": "After"})
    assert response.status_code == 200
    assert Product.objects.get(pk=product.pk).name == "After"

    elasticsearch.down = False
    services.rebuild(declaration_of(Product))
    assert found(client.get(SEARCH_URL, {"q": "after"})) == {("product", product.pk)}


@pytest.mark.usefixtures("retries_run_inline")
def test_indexing_retries_until_the_engine_answers(
    elasticsearch, jwt_client, member_a, org_a, indexed
):
    elasticsearch.failures = 2  # the index's creation, then its first retry
    with indexed():
        product = ProductFactory(organization=org_a, name="Persistent")
    assert found(jwt_client(member_a).get(SEARCH_URL, {"q": "persistent"})) == {
        ("product", product.pk)
    }
    assert len(requests_to(elasticsearch, "GET", f"/_alias/{ALIAS}")) == 3


def test_more_visible_records_than_one_terms_query_holds(
    elasticsearch, jwt_client, member_of, org_a, indexed, monkeypatch
):
    host = member_of(org_a, "Organization Member")
    with indexed():
        meetings = [
            MeetingFactory(organization=org_a, host=host, topic=f"Roadmap {n}") for n in range(3)
        ]
    elasticsearch.max_terms = 2
    monkeypatch.setattr(backend, "MAX_TERMS", 2)
    assert found(jwt_client(host).get(SEARCH_URL, {"q": "roadmap"})) == {
        ("meeting", meeting.pk) for meeting in meetings
    }
