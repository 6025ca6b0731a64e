from django.db import migrations


def ship_defaults(apps, schema_editor):
    """The thresholds row with the model's defaults (the manager edits them later)."""
    Settings = apps.get_model("screening", "ScreeningSettings")
    if not Settings.objects.exists():
        Settings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]

    operations = [migrations.RunPython(ship_defaults, migrations.RunPython.noop)]
