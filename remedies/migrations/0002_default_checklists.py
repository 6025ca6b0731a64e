from django.db import migrations


def forward(apps, schema_editor):
    from remedies.defaults import default_checklists_sync

    default_checklists_sync(apps.get_model("remedies", "ChecklistItem"), apps.get_model("repairs", "ProductCategory"))


class Migration(migrations.Migration):
    dependencies = [("remedies", "0001_initial"), ("repairs", "0002_catalogue_reference")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
