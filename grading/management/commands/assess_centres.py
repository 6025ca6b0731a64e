import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from grading.choices import UNITS, AssessmentStatus, Metric
from grading.services import centres_assess
from network.choices import CenterLevel

# The key results on the line, in this order (the page shows them all).
SHOWN = (
    Metric.FIRST_TIME_FIX,
    Metric.RESPONSE_ON_TIME,
    Metric.ARRIVAL_ON_TIME,
    Metric.SATISFACTION,
    Metric.COMPLAINTS,
    Metric.REPEATS,
    Metric.RETURNS_ON_TIME,
)


def parse_month_strictly(text: str) -> dt.date:
    """YYYY-MM, a real month; else a CommandError saying what is expected."""
    text = (text or "").strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        year, month = int(text[:4]), int(text[5:])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    raise CommandError(
        _("The month is written YYYY-MM, for example 2026-10 (got: %(value)s).") % {"value": text}
    )


class Command(BaseCommand):
    help = (
        "Computes every centre's results, score and proposed level for a month (YYYY-MM) and prints one line "
        "per centre; a second run refreshes the proposals not yet confirmed and leaves confirmed ones alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, month, **options):
        with translation.override(settings.LANGUAGE_CODE):
            first = parse_month_strictly(month)
            try:
                assessments = centres_assess(month=first)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
            for a in assessments:
                results = []
                for metric in SHOWN:
                    value = a.points.get(metric, {}).get("value")
                    unit = UNITS[metric]
                    results.append(
                        f"{Metric(metric).label} {value}{unit}"
                        if value is not None
                        else f"{Metric(metric).label} —"
                    )
                line = [
                    a.center.code,
                    a.center.name,
                    _("%(orders)s orders") % {"orders": a.orders},
                    " · ".join(results),
                    _("score %(score)s") % {"score": a.score if a.score is not None else "—"},
                    f"{CenterLevel(a.current_level).label} → {CenterLevel(a.proposed_level).label}",
                ]
                if a.status == AssessmentStatus.CONFIRMED:
                    line.append(_("confirmed"))
                elif not a.enough_orders:
                    line.append(_("too few orders to change the level"))
                self.stdout.write("\t".join(str(part) for part in line))
