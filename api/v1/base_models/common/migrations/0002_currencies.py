"""Every currency of ISO 4217 list one (data/0002_currencies.json)."""

from django.db import migrations

from ._seed import create_missing, delete_rows, read_data

CURRENCIES = read_data("0002_currencies.json")["currencies"]


def load(apps, schema_editor):
    create_missing(apps.get_model("common", "Currency"), CURRENCIES, schema_editor.connection.alias)


def unload(apps, schema_editor):
    delete_rows(apps.get_model("common", "Currency"), CURRENCIES, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
