"""The "discontinued" status: no longer offered, kept for the records that refer to it
(the end of the product workflow, and of any catalog-like record)."""

from django.db import migrations

from ._seed import create_missing, delete_rows

STATUSES = [
    {
        "slug": "discontinued",
        "name": "Discontinued",
        "category": "General",
        "description": "No longer offered; kept for the records that refer to it.",
        "color": "#607D8B",
    }
]


def load(apps, schema_editor):
    create_missing(apps.get_model("common", "Status"), STATUSES, schema_editor.connection.alias)


def unload(apps, schema_editor):
    delete_rows(apps.get_model("common", "Status"), STATUSES, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("common", "0006_tax_jurisdictions")]
    operations = [migrations.RunPython(load, unload)]
