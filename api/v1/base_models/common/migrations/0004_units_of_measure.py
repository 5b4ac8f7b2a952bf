"""Common units of measure: count, mass, length, volume, area and time."""

from django.db import migrations

from ._seed import create_missing, delete_rows

UNITS = [
    {"code": code, "name": name, "uom_type": uom_type, "symbol": symbol}
    for code, name, uom_type, symbol in [
        ("EA", "Each", "Count", ""),
        ("BOX", "Box", "Count", ""),
        ("PK", "Pack", "Count", ""),
        ("PR", "Pair", "Count", ""),
        ("DZ", "Dozen", "Count", ""),
        ("SET", "Set", "Count", ""),
        ("KG", "Kilogram", "Mass", "kg"),
        ("G", "Gram", "Mass", "g"),
        ("MG", "Milligram", "Mass", "mg"),
        ("T", "Tonne", "Mass", "t"),
        ("LB", "Pound", "Mass", "lb"),
        ("OZ", "Ounce", "Mass", "oz"),
        ("M", "Meter", "Length", "m"),
        ("CM", "Centimeter", "Length", "cm"),
        ("MM", "Millimeter", "Length", "mm"),
        ("KM", "Kilometer", "Length", "km"),
        ("FT", "Foot", "Length", "ft"),
        ("IN", "Inch", "Length", "in"),
        ("YD", "Yard", "Length", "yd"),
        ("MI", "Mile", "Length", "mi"),
        ("L", "Liter", "Volume", "L"),
        ("ML", "Milliliter", "Volume", "mL"),
        ("M3", "Cubic Meter", "Volume", "m³"),
        ("GAL", "Gallon (US)", "Volume", "gal"),
        ("M2", "Square Meter", "Area", "m²"),
        ("CM2", "Square Centimeter", "Area", "cm²"),
        ("KM2", "Square Kilometer", "Area", "km²"),
        ("FT2", "Square Foot", "Area", "ft²"),
        ("HA", "Hectare", "Area", "ha"),
        ("AC", "Acre", "Area", "ac"),
        ("S", "Second", "Time", "s"),
        ("MIN", "Minute", "Time", "min"),
        ("H", "Hour", "Time", "h"),
        ("DAY", "Day", "Time", "d"),
        ("WK", "Week", "Time", "wk"),
        ("MO", "Month", "Time", "mo"),
        ("YR", "Year", "Time", "yr"),
    ]
]


def load(apps, schema_editor):
    create_missing(apps.get_model("common", "UnitOfMeasure"), UNITS, schema_editor.connection.alias)


def unload(apps, schema_editor):
    delete_rows(apps.get_model("common", "UnitOfMeasure"), UNITS, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("common", "0003_statuses")]
    operations = [migrations.RunPython(load, unload)]
