"""The search and custom-field indexes of the organization list on PostgreSQL
(core.search_indexes)."""

from django.db import migrations

from core.search_indexes import SearchIndexes


class Migration(migrations.Migration):
    dependencies = [("organization", "0003_organizationinvitation"), ("core", "0003_pg_trgm")]
    operations = [
        SearchIndexes(
            trigram={"organization_organization": ("name", "code")},
            jsonb={"organization_organization": ("custom_fields",)},
        )
    ]
