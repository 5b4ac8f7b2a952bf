"""The common statuses."""

from django.db import migrations

from ._seed import create_missing, delete_rows

STATUSES = [
    {"slug": slug, "name": name, "category": category, "description": description, "color": color}
    for slug, name, category, description, color in [
        ("draft", "Draft", "General", "Record is being drafted, not yet active.", "#AAAAAA"),
        ("active", "Active", "General", "Record is active and in use.", "#4CAF50"),
        (
            "inactive",
            "Inactive",
            "General",
            "Record is not currently active but may be reactivated.",
            "#FF9800",
        ),
        ("archived", "Archived", "General", "Record is archived and typically read-only.", "#9E9E9E"),
        ("pending", "Pending", "Process", "Waiting for action or approval.", "#2196F3"),
        ("pending_approval", "Pending Approval", "Approval", "Waiting for approval step.", "#2196F3"),
        ("approved", "Approved", "Approval", "Record has been approved.", "#4CAF50"),
        ("rejected", "Rejected", "Approval", "Record has been rejected.", "#F44336"),
        ("completed", "Completed", "Process", "Process or task is finished.", "#00BCD4"),
        ("cancelled", "Cancelled", "Process", "Process or task was cancelled.", "#795548"),
    ]
]


def load(apps, schema_editor):
    create_missing(apps.get_model("common", "Status"), STATUSES, schema_editor.connection.alias)


def unload(apps, schema_editor):
    delete_rows(apps.get_model("common", "Status"), STATUSES, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("common", "0002_currencies")]
    operations = [migrations.RunPython(load, unload)]
