"""manage.py check_stock: verifies that for every warehouse × part the ledger's sum equals the stock level.
Exit 0 and "OK: n levels checked" when it does; exit 1 with one line per difference when it does not."""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from inventory.checks import stock_discrepancies
from inventory.models import StockLevel


class Command(BaseCommand):
    help = (
        "Verifies ledger sum = stock level for every warehouse × part; exit 1 and the differences when not."
    )

    def handle(self, *args, **options):
        differences = stock_discrepancies()
        checked = StockLevel.objects.count()
        if not differences:
            self.stdout.write(_("OK: %(n)s levels checked") % {"n": checked})
            return
        for d in differences:
            level = (
                _("no level row")
                if d.level_quantity is None
                else _("level %(quantity)s / %(value)s yuan")
                % {"quantity": d.level_quantity, "value": d.level_value}
            )
            self.stderr.write(
                _("%(warehouse)s %(part)s: ledger %(quantity)s / %(value)s yuan, %(level)s")
                % {
                    "warehouse": d.warehouse_code,
                    "part": d.part_code,
                    "quantity": d.ledger_quantity,
                    "value": d.ledger_value,
                    "level": level,
                }
            )
        self.stderr.write(
            _("%(n)s of %(checked)s warehouse × part balances differ from the ledger.")
            % {"n": len(differences), "checked": checked}
        )
        sys.exit(1)
