"""Each deadline of an SLA policy says which clock it runs on, instead of one switch for all of them.

Accepting and completing keep what the policy's switch said (the centre's working hours, or around the
clock when it was off). The first contact — the hotline's answer within 4 hours — runs around the clock in
every policy: the hotline serves 24 hours a day (service standard 4). Deadlines already stored keep the
instants they were given."""

from django.db import migrations, models

CLOCKS = [("working", "The centre's working hours"), ("always", "Around the clock (24 hours a day)")]


def clocks_from_switch(apps, schema_editor):
    SlaPolicy = apps.get_model("care", "SlaPolicy")  # noqa: N806
    SlaPolicy.objects.filter(working_time=True).update(accept_clock="working", completion_clock="working")
    SlaPolicy.objects.filter(working_time=False).update(accept_clock="always", completion_clock="always")
    SlaPolicy.objects.update(first_contact_clock="always")


def switch_from_clocks(apps, schema_editor):
    SlaPolicy = apps.get_model("care", "SlaPolicy")  # noqa: N806
    SlaPolicy.objects.update(working_time=True)
    SlaPolicy.objects.filter(completion_clock="always").update(working_time=False)


class Migration(migrations.Migration):
    dependencies = [("care", "0004_guidance_callback_index")]

    operations = [
        migrations.AddField(
            model_name="slapolicy",
            name="accept_clock",
            field=models.CharField(
                choices=CLOCKS, default="working", max_length=10, verbose_name="accept: clock"
            ),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="first_contact_clock",
            field=models.CharField(
                choices=CLOCKS,
                default="always",
                help_text="The hotline serves 24 hours a day: its answer within 4 hours runs around the clock.",
                max_length=10,
                verbose_name="first contact: clock",
            ),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="completion_clock",
            field=models.CharField(
                choices=CLOCKS, default="working", max_length=10, verbose_name="completion: clock"
            ),
        ),
        migrations.RunPython(clocks_from_switch, switch_from_clocks),
        migrations.RemoveField(model_name="slapolicy", name="working_time"),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("accept_clock__in", ["working", "always"]),
                    ("completion_clock__in", ["working", "always"]),
                    ("first_contact_clock__in", ["working", "always"]),
                ),
                name="sla_policy_clocks_valid",
            ),
        ),
    ]
