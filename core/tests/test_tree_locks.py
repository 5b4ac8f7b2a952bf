"""Trees written at the same time stay trees: django-mptt reads, then writes, the tree
ids and bounds, and core.models.BaseTreeModel serializes those writes."""

import threading

import pytest
from django.db import connection

from api.v1.base_models.common.models import Category
from api.v1.base_models.common.tests.factories import CategoryFactory
from api.v1.features.inventory.models import StockLocation
from api.v1.features.inventory.tests.factories import WarehouseFactory


def _at_once(count, work):
    barrier = threading.Barrier(count, timeout=10)
    errors = []

    def run(index):
        try:
            barrier.wait()
            work(index)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_roots_created_at_once_get_trees_of_their_own():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite runs one write transaction at a time)")
    warehouse = WarehouseFactory()
    errors = _at_once(
        8, lambda index: StockLocation.objects.create(warehouse=warehouse, name=f"Zone {index}")
    )
    assert errors == []
    tree_ids = list(StockLocation.objects.values_list("tree_id", flat=True))
    assert len(tree_ids) == 8
    assert len(set(tree_ids)) == 8


@pytest.mark.django_db(transaction=True)
def test_children_added_at_once_keep_the_tree_consistent():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite runs one write transaction at a time)")
    root = CategoryFactory(name="Root")
    errors = _at_once(6, lambda index: CategoryFactory(name=f"Branch {index}", parent_id=root.pk))
    assert errors == []
    root.refresh_from_db()
    assert root.get_descendant_count() == 6
    bounds = sorted((node.lft, node.rght) for node in Category.objects.filter(tree_id=root.tree_id))
    flattened = [value for pair in bounds for value in pair]
    assert sorted(flattened) == list(range(1, 15))  # no two nodes share a bound


@pytest.mark.django_db
def test_nodes_loaded_before_another_write_move_where_they_are_now():
    """A location and its new parent, read by one request while another inserts a root
    before them (shifting the tree ids after it), still move correctly: their places
    are read again under the lock."""
    warehouse = WarehouseFactory()
    zone = StockLocation.objects.create(warehouse=warehouse, name="Zone B")
    target = StockLocation.objects.create(warehouse=warehouse, name="Zone C")
    stale = StockLocation.objects.get(pk=zone.pk)  # read by the first request...
    stale_target = StockLocation.objects.get(pk=target.pk)
    StockLocation.objects.create(warehouse=warehouse, name="Zone A")  # ...then another's

    stale.parent = stale_target
    stale.save()

    rows = {row.name: row for row in StockLocation.objects.all()}
    assert rows["Zone B"].parent_id == target.pk
    assert len({rows["Zone A"].tree_id, rows["Zone C"].tree_id}) == 2
    parent, child = rows["Zone C"], rows["Zone B"]
    assert (child.tree_id, child.level) == (parent.tree_id, 1)
    assert parent.lft < child.lft < child.rght < parent.rght
    assert (rows["Zone A"].lft, rows["Zone A"].rght) == (1, 2)
