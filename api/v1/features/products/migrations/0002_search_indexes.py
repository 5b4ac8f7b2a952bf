"""The search and custom-field indexes of the product list on PostgreSQL
(core.search_indexes)."""

from django.db import migrations

from core.search_indexes import SearchIndexes


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial"), ("core", "0003_pg_trgm")]
    operations = [
        SearchIndexes(
            trigram={"products_product": ("sku", "name", "description")},
            jsonb={"products_product": ("custom_fields",)},
        )
    ]
