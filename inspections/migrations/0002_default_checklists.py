from django.db import migrations


def forward(apps, schema_editor):
    from inspections.defaults import default_checklists_sync

    default_checklists_sync(
        apps.get_model("inspections", "ChecklistItem"), apps.get_model("repairs", "ProductCategory")
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial"), ("repairs", "0002_catalogue_reference")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
