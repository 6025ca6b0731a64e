from django.db import migrations


def forwards(apps, schema_editor):
    from repairs.reference import fault_codes_sync

    fault_codes_sync(apps.get_model("repairs", "ProductCategory"), apps.get_model("repairs", "FaultCode"))


class Migration(migrations.Migration):
    dependencies = [("repairs", "0006_tablet_closing")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
