"""Default monthly subsidies and penalties by centre level (editable in the admin)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RATES = {
    "diamond": ("3000.00", 300, "5.00"),
    "gold": ("2000.00", 200, "4.00"),
    "a": ("1000.00", 100, "3.00"),
    "general": ("500.00", 50, "2.00"),
}


def create(apps, schema_editor):
    SettlementRate = apps.get_model("network", "SettlementRate")
    for level, (base, threshold, bonus) in RATES.items():
        SettlementRate.objects.get_or_create(
            center_level=level,
            valid_from=dt.date(2024, 1, 1),
            defaults={
                "base_subsidy_amount": Decimal(base),
                "volume_threshold": threshold,
                "volume_bonus_amount": Decimal(bonus),
                "breach_penalty_amount": Decimal("20.00"),
                "complaint_penalty_amount": Decimal("200.00"),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("network", "0007_settlement_rates")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
