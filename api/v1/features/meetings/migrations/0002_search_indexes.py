"""The search and custom-field indexes of the meeting list on PostgreSQL
(core.search_indexes)."""

from django.db import migrations

from core.search_indexes import SearchIndexes


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("core", "0003_pg_trgm")]
    operations = [
        SearchIndexes(
            trigram={"meetings_meeting": ("topic", "agenda")},
            jsonb={"meetings_meeting": ("custom_fields",)},
        )
    ]
