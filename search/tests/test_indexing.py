"""Keeping the index in step: events, failures, rebuilds; and who finds what when a
model restricts its records further (meetings)."""

import io
import logging

import pytest
from django.core.management import CommandError, call_command

from api.v1.features.meetings.tests.factories import MeetingFactory
from api.v1.features.products.models import Product
from api.v1.features.products.tests.factories import ProductFactory
from core.searching import declaration_of
from search import services
from search.backends import SearchUnavailable
from search.backends.database import DatabaseBackend
from search.models import SearchEntry

from .conftest import SEARCH_URL, found

pytestmark = pytest.mark.django_db


def test_meetings_are_found_only_by_those_who_see_them(jwt_client, member_of, org_a, indexed):
    host = member_of(org_a, "Organization Member")
    bystander = member_of(org_a, "Organization Member")
    administrator = member_of(org_a, "Organization Administrator")
    with indexed():
        meeting = MeetingFactory(organization=org_a, host=host, topic="Quarterly roadmap")
    assert found(jwt_client(host).get(SEARCH_URL, {"q": "roadmap"})) == {("meeting", meeting.pk)}
    assert found(jwt_client(administrator).get(SEARCH_URL, {"q": "roadmap"})) == {
        ("meeting", meeting.pk)
    }
    body = jwt_client(bystander).get(SEARCH_URL, {"q": "roadmap"}).json()
    assert body["results"] == []
    assert body["count"] == 0
    assert body["facets"]["type"] == []


def test_an_unreachable_index_never_fails_the_write(
    jwt_client, member_of, org_a, indexed, monkeypatch, caplog
):
    def down(self, declaration, documents):
        raise SearchUnavailable()

    monkeypatch.setattr(DatabaseBackend, "index", down)
    product = ProductFactory(organization=org_a, name="Before")
    client = jwt_client(member_of(org_a, "Organization Administrator"))
    with indexed(), caplog.at_level(logging.ERROR):
        response = client.patch(f"/api/v1/products/{product.pk}/", {"name": "Unindexed"})
    assert response.status_code == 200, response.content
    assert Product.objects.get(pk=product.pk).name == "Unindexed"
    assert not SearchEntry.objects.exists()
    assert "update_index" in caplog.text

    # Once the index is back, a rebuild (or the task's retry) catches up.
    monkeypatch.undo()
    services.rebuild(declaration_of(Product))
    assert SearchEntry.objects.get(object_id=product.pk).title == "unindexed"


def test_an_unreachable_engine_is_a_503(jwt_client, member_a, monkeypatch):
    def down(self, request):
        raise SearchUnavailable()

    monkeypatch.setattr(DatabaseBackend, "search", down)
    response = jwt_client(member_a).get(SEARCH_URL, {"q": "anything"})
    assert response.status_code == 503
    assert response.json()["detail"] == SearchUnavailable.default_detail


def test_rebuild_command_indexes_every_record_with_progress(org_a, settings):
    settings.SEARCH_BATCH_SIZE = 2
    products = ProductFactory.create_batch(3, organization=org_a)  # not indexed: no events
    assert not SearchEntry.objects.exists()
    out = io.StringIO()
    call_command("search_index", "--rebuild", "--model", "product", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "products.product: 2/3",
        "products.product: 3/3",
        "products.product: 3 indexed",
    ]
    assert set(SearchEntry.objects.values_list("object_id", flat=True)) == {
        product.pk for product in products
    }

    out = io.StringIO()
    call_command("search_index", stdout=out)
    assert "products.product: 3 indexed" in out.getvalue()
    assert "contact.contact: 0 indexed" in out.getvalue()

    with pytest.raises(CommandError, match="spaceship is not searchable"):
        call_command("search_index", "--rebuild", "--model", "spaceship")


def test_a_failed_rebuild_leaves_the_old_index(org_a, indexed, monkeypatch, settings):
    settings.SEARCH_BATCH_SIZE = 1
    with indexed():
        ProductFactory.create_batch(2, organization=org_a)
    before = set(SearchEntry.objects.values_list("object_id", flat=True))
    calls = []
    original = DatabaseBackend.index

    def fails_second_batch(self, declaration, documents):
        calls.append(1)
        if len(calls) == 2:
            raise SearchUnavailable()
        original(self, declaration, documents)

    monkeypatch.setattr(DatabaseBackend, "index", fails_second_batch)
    with pytest.raises(SearchUnavailable):
        services.rebuild(declaration_of(Product))
    assert set(SearchEntry.objects.values_list("object_id", flat=True)) == before


def test_records_of_deleted_models_leave_no_result(jwt_client, member_a, org_a, indexed):
    with indexed():
        product = ProductFactory(organization=org_a, name="Ghost")
    # Deleted without its event (as a raw SQL delete would): the entry stays, the
    # result is not shown.
    Product.objects.filter(pk=product.pk)._raw_delete(Product.objects.db)
    body = jwt_client(member_a).get(SEARCH_URL, {"q": "ghost"}).json()
    assert body["results"] == []


def test_rebuild_if_empty_indexes_only_models_without_an_index(org_a, indexed):
    with indexed():
        indexed_product = ProductFactory(organization=org_a)
    MeetingFactory(organization=org_a)  # never indexed (no event here)
    out = io.StringIO()
    call_command("search_index", "--rebuild", "--if-empty", stdout=out)
    assert "meetings.meeting: 1 indexed" in out.getvalue().splitlines()
    assert "products.product" not in out.getvalue()
    products = SearchEntry.objects.filter(content_type__model="product")
    assert list(products.values_list("object_id", flat=True)) == [indexed_product.pk]


def test_a_bulk_write_is_indexed_by_one_task_per_batch(org_a, indexed, settings, monkeypatch):
    """An import's batch of records: one update_index task per SEARCH_BATCH_SIZE
    records, not one per record."""
    from crum import impersonate

    from audit import bulk
    from search import tasks

    settings.SEARCH_BATCH_SIZE = 2
    queued = []
    delay = tasks.update_index.delay
    monkeypatch.setattr(
        tasks.update_index,
        "delay",
        lambda label, ids: queued.append((label, list(ids))) or delay(label, ids),
    )
    with indexed(), impersonate(None):
        products = bulk.bulk_create(
            [
                Product(organization=org_a, sku=f"BULK-{n}", name=f"Bulk {n}", base_uom_id="EA")
                for n in range(5)
            ]
        )

    pks = [each.pk for each in products]
    assert queued == [
        ("products.product", pks[0:2]),
        ("products.product", pks[2:4]),
        ("products.product", pks[4:5]),
    ]
    assert set(SearchEntry.objects.values_list("object_id", flat=True)) == set(pks)
