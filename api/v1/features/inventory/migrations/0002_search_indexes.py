"""The search and custom-field indexes of the warehouse and stock location lists on
PostgreSQL (core.search_indexes)."""

from django.db import migrations

from core.search_indexes import SearchIndexes


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("core", "0003_pg_trgm")]
    operations = [
        SearchIndexes(
            trigram={
                "inventory_warehouse": ("name", "code"),
                "inventory_stocklocation": ("name", "barcode"),
            },
            jsonb={
                "inventory_warehouse": ("custom_fields",),
                "inventory_stocklocation": ("custom_fields",),
            },
        )
    ]
