"""manage.py import_stock FILE: the initial stock import (期初导入) from a CSV file, all or nothing.
On any bad line nothing is posted and the command exits 1 with the report, line by line."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from inventory.imports import stock_import_csv


class Command(BaseCommand):
    help = (
        "Initial stock import from a CSV file with the columns warehouse_code, part_code, quantity, unit_cost "
        "(UTF-8 or GBK). All or nothing: exit 1 with the bad lines."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--user", help="username recorded on the movements")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user %(name)s.") % {"name": options["user"]}) from None
        result = stock_import_csv(file=path.read_bytes(), acting_user=user)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(
                    _("Line %(line)s: %(message)s") % {"line": error.line, "message": error.message}
                )
            self.stderr.write(
                _("%(n)s bad lines: nothing was imported.") % {"n": len({e.line for e in result.errors})}
            )
            sys.exit(1)
        for total in result.totals:
            self.stdout.write(
                _("%(warehouse)s: %(lines)s parts, %(quantity)s pieces, %(value)s yuan")
                % {
                    "warehouse": total.warehouse.code,
                    "lines": total.lines,
                    "quantity": total.quantity,
                    "value": total.value,
                }
            )
        self.stdout.write(
            _("Imported %(lines)s lines, %(quantity)s pieces, %(value)s yuan as “%(reference)s”.")
            % {
                "lines": result.lines,
                "quantity": result.quantity,
                "value": result.value,
                "reference": result.reference,
            }
        )
