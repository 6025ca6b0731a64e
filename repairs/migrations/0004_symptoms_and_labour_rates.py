from django.db import migrations


def forwards(apps, schema_editor):
    from repairs.reference import symptoms_sync

    symptoms_sync(
        apps.get_model("repairs", "ProductCategory"),
        apps.get_model("repairs", "FaultSymptom"),
        apps.get_model("repairs", "LabourRate"),
    )


class Migration(migrations.Migration):
    dependencies = [("repairs", "0003_repair_calls_and_work_orders")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
