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
