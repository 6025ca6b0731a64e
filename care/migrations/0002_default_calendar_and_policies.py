"""The default working calendar (Monday–Friday 9:00–18:00, lunch 12:00–13:00, public holidays off) and
the default SLA policies (care/defaults.py). Editable in the admin."""

from django.db import migrations


def create(apps, schema_editor):
    from care.defaults import defaults_sync

    defaults_sync(apps.get_model("care", "WorkCalendar"), apps.get_model("care", "SlaPolicy"))


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
