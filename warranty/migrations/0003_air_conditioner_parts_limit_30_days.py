"""Air conditioners: the maker's 30-day parts-supply limit, as a new policy version (v2).

v1 is left as it was: the decisions taken under it name it (policy_version) and keep meaning what they
meant. v2 applies to units sold from the day after v1 began, so every air conditioner is decided on it from
now on (see warranty.defaults.LATER_VERSIONS)."""

from django.db import migrations


def forward(apps, schema_editor):
    from warranty.defaults import policy_versions_sync

    policy_versions_sync(
        apps.get_model("warranty", "WarrantyPolicy"),
        apps.get_model("warranty", "ComponentPeriod"),
        apps.get_model("repairs", "ProductCategory"),
        apps.get_model("repairs", "Component"),
    )


class Migration(migrations.Migration):
    dependencies = [("warranty", "0002_default_policies"), ("repairs", "0002_catalogue_reference")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
