"""The usual organization types. Creates the missing ones; reversed, deletes them."""

from django.db import migrations

ORGANIZATION_TYPES = {
    "Company": "Primary legal entity or top-level organization.",
    "Division": "A major operational division within a company.",
    "Department": "A functional department within a division or company.",
    "Team": "A specific team within a department.",
    "Location/Branch": "A physical office or branch location.",
    "Customer": "An external organization that purchases goods/services.",
    "Supplier": "An external organization that supplies goods/services.",
    "Partner": "An external organization collaborated with.",
    "Vendor": "Synonym for Supplier, or specific type.",
}


def load(apps, schema_editor):
    organization_type = apps.get_model("organization", "OrganizationType")
    using = schema_editor.connection.alias
    existing = set(organization_type.objects.using(using).values_list("name", flat=True))
    organization_type.objects.using(using).bulk_create(
        [
            organization_type(name=name, description=description)
            for name, description in ORGANIZATION_TYPES.items()
            if name not in existing
        ]
    )


def unload(apps, schema_editor):
    organization_type = apps.get_model("organization", "OrganizationType")
    organization_type.objects.using(schema_editor.connection.alias).filter(
        name__in=ORGANIZATION_TYPES
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("organization", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
