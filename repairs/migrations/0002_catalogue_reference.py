from django.db import migrations


def forward(apps, schema_editor):
    from repairs.reference import catalogue_sync

    catalogue_sync(apps.get_model("repairs", "ProductCategory"), apps.get_model("repairs", "Component"))


class Migration(migrations.Migration):
    dependencies = [("repairs", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
