"""The default working calendar (Monday–Friday 9:00–18:00, lunch 12:00–13:00, public holidays off) and
the default SLA policies from the service standards (DOMAIN.md): accepted within 2 working hours, the
customer contacted within 4, completed within two working days of 8 hours, the clock stopped while
waiting for parts; urgent calls faster. Complaints: reply 24 hours, resolve 30 days. Editable in the admin."""

import datetime as dt

from django.db import migrations


def create(apps, schema_editor):
    WorkCalendar = apps.get_model("care", "WorkCalendar")
    SlaPolicy = apps.get_model("care", "SlaPolicy")
    WorkCalendar.objects.get_or_create(
        center=None,
        name="默认工作日历",
        defaults={
            "opens": dt.time(9, 0),
            "closes": dt.time(18, 0),
            "break_start": dt.time(12, 0),
            "break_end": dt.time(13, 0),
            "weekdays": [0, 1, 2, 3, 4],
            "statutory_holidays": True,
        },
    )
    SlaPolicy.objects.get_or_create(
        name="默认时效",
        defaults={
            "accept_minutes": 120,
            "first_contact_minutes": 240,
            "on_site_grace_minutes": 15,
            "completion_minutes": 16 * 60,
            "pause_statuses": ["waiting_for_parts"],
        },
    )
    SlaPolicy.objects.get_or_create(
        name="紧急叫修",
        defaults={
            "priority": "urgent",
            "accept_minutes": 30,
            "first_contact_minutes": 60,
            "on_site_grace_minutes": 15,
            "completion_minutes": 8 * 60,
            "pause_statuses": ["waiting_for_parts"],
            "escalate_supervisor_minutes": 30,
            "escalate_manager_minutes": 120,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
