from django.db import migrations


def forward(apps, schema_editor):
    from warranty.defaults import default_policies_sync

    default_policies_sync(
        apps.get_model("warranty", "WarrantyPolicy"),
        apps.get_model("warranty", "ComponentPeriod"),
        apps.get_model("repairs", "ProductCategory"),
        apps.get_model("repairs", "Component"),
    )


class Migration(migrations.Migration):
    dependencies = [("warranty", "0001_initial"), ("repairs", "0002_catalogue_reference")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
