"""Every country, and the states (and DC) of the US and the provinces and territories of
Canada under their country (data/0006_tax_jurisdictions.json)."""

from django.db import migrations

from ._seed import create_missing, delete_rows, read_data, rebuild_tree

DATA = read_data("0006_tax_jurisdictions.json")
COUNTRIES = [
    {"code": row["code"], "name": row["name"], "jurisdiction_type": "COUNTRY"}
    for row in DATA["countries"]
]
SUBDIVISIONS = [
    {
        "code": row["code"],
        "name": row["name"],
        "jurisdiction_type": "STATE_PROVINCE",
        "parent_id": row["parent"],
    }
    for row in DATA["subdivisions"]
]
# Tree fields are computed by rebuild_tree once the rows exist.
TREE_PLACEHOLDER = {"lft": 0, "rght": 0, "tree_id": 0, "level": 0}


def load(apps, schema_editor):
    jurisdiction = apps.get_model("common", "TaxJurisdiction")
    using = schema_editor.connection.alias
    create_missing(jurisdiction, [{**row, **TREE_PLACEHOLDER} for row in COUNTRIES], using)
    create_missing(jurisdiction, [{**row, **TREE_PLACEHOLDER} for row in SUBDIVISIONS], using)
    rebuild_tree(jurisdiction, using)


def unload(apps, schema_editor):
    jurisdiction = apps.get_model("common", "TaxJurisdiction")
    using = schema_editor.connection.alias
    delete_rows(jurisdiction, SUBDIVISIONS, using)
    delete_rows(jurisdiction, COUNTRIES, using)
    rebuild_tree(jurisdiction, using)


class Migration(migrations.Migration):
    dependencies = [("common", "0005_tax_categories")]
    operations = [migrations.RunPython(load, unload)]
