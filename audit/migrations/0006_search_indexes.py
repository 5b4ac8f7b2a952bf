"""The search indexes of the audit log on PostgreSQL (core.search_indexes). Each new
row updates them too (GIN's pending list keeps inserts cheap)."""

from django.db import migrations

from core.search_indexes import SearchIndexes


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_time_index"), ("core", "0003_pg_trgm")]
    operations = [
        SearchIndexes(trigram={"audit_auditlog": ("object_repr", "user_repr", "object_id")})
    ]
