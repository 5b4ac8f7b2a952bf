"""The usual tax categories."""

from django.db import migrations

from ._seed import create_missing, delete_rows

TAX_CATEGORIES = [
    {"code": code, "name": name, "description": description}
    for code, name, description in [
        ("standard", "Standard Rate", "Goods and services taxed at the standard rate."),
        ("reduced", "Reduced Rate", "Goods and services taxed at a reduced rate."),
        (
            "super-reduced",
            "Super-Reduced Rate",
            "Goods and services taxed at a rate below the reduced rate.",
        ),
        ("zero", "Zero Rate", "Taxable at 0%: input tax remains deductible."),
        ("exempt", "Exempt", "Outside the tax base: no tax charged, input tax not deductible."),
    ]
]


def load(apps, schema_editor):
    create_missing(
        apps.get_model("common", "TaxCategory"), TAX_CATEGORIES, schema_editor.connection.alias
    )


def unload(apps, schema_editor):
    delete_rows(
        apps.get_model("common", "TaxCategory"), TAX_CATEGORIES, schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [("common", "0004_units_of_measure")]
    operations = [migrations.RunPython(load, unload)]
