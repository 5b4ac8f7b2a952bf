"""Helpers of the reference data migrations. Part of the migration history: keep them
working for the migrations that use them (change by adding, not by editing).

Data migrations create the rows that are missing (so they can run on a database that
already has some, and leave rows edited since untouched) and, reversed, delete the rows
they define.
"""

import json
from collections import defaultdict
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_data(filename: str) -> dict:
    with (DATA_DIR / filename).open(encoding="utf-8") as handle:
        return json.load(handle)


def create_missing(model, rows, using: str) -> None:
    """Create the rows (dicts with the primary key) whose primary key is not there yet."""
    pk_name = model._meta.pk.name
    existing = set(
        model.objects.using(using)
        .filter(pk__in=[row[pk_name] for row in rows])
        .values_list("pk", flat=True)
    )
    model.objects.using(using).bulk_create(
        [model(**row) for row in rows if row[pk_name] not in existing], batch_size=500
    )


def delete_rows(model, rows, using: str) -> None:
    pk_name = model._meta.pk.name
    model.objects.using(using).filter(pk__in=[row[pk_name] for row in rows]).delete()


def rebuild_tree(model, using: str, order_by: str = "name") -> None:
    """Recompute the MPTT fields (tree_id, lft, rght, level) of every row from `parent`,
    siblings and roots ordered by `order_by`, as django-mptt's rebuild() does."""
    # Ordered by the database, as rebuild() does: its collation may sort names otherwise
    # than Python ("Åland Islands" next to "Albania" under en_US, after "Zimbabwe" in C).
    rows = list(model.objects.using(using).order_by(order_by))
    children = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)

    def number(node, tree_id, level, left):
        node.tree_id, node.level, node.lft = tree_id, level, left
        right = left + 1
        for child in children[node.pk]:
            right = number(child, tree_id, level + 1, right) + 1
        node.rght = right
        return right

    for tree_id, root in enumerate(children[None], start=1):
        number(root, tree_id, 0, 1)
    model.objects.using(using).bulk_update(rows, ["tree_id", "level", "lft", "rght"], batch_size=500)
