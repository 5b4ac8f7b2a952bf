"""The search and custom-field indexes of the contact list on PostgreSQL (its columns
and the e-mail addresses it searches; core.search_indexes)."""

from django.db import migrations

from core.search_indexes import SearchIndexes


class Migration(migrations.Migration):
    dependencies = [("contact", "0002_initial"), ("core", "0003_pg_trgm")]
    operations = [
        SearchIndexes(
            trigram={
                "contact_contact": ("first_name", "last_name", "title", "department", "notes"),
                "contact_contactemailaddress": ("email",),
            },
            jsonb={"contact_contact": ("custom_fields",)},
        )
    ]
