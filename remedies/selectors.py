"""The rates the manager reads (each defined here once, with its formula shown on the page):
- out-of-box (DOA) rate per model and month = approved out-of-box checks of units sold in the month ÷ units
  of the model sold in the month;
- refurbishment rate per model = units restocked as refurbished ÷ units taken back and finished
  (restocked + scrapped);
- repair-success rate per model = units restocked ÷ units that went through repair (restocked + scrapped after
  repair), the cost per refurbished unit = parts + labour ÷ units restocked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from repairs.models import ProductUnit

from .choices import DoaStatus, RefurbStatus
from .models import DoaCheck, Refurbishment, RemedyRequest

RATE_FORMULAS = {
    "doa": "开箱损率 = 当月售出并经检验确认开箱损的台数 ÷ 当月该型号售出台数",
    "refurb": "翻新率 = 翻新入库台数 ÷ 已完结的收回台数（翻新入库 + 报废）",
    "success": "修复成功率 = 翻新入库台数 ÷ 经维修的台数（翻新入库 + 维修后报废）",
    "cost": "单台翻新成本 = （配件 + 工时）÷ 翻新入库台数",
}


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def doa_rates(*, start: dt.date, end: dt.date) -> list[dict]:
    """Per model and month of sale in [start, end): units sold, approved out-of-box checks, the rate."""
    sold = (
        ProductUnit.objects.filter(sale_date__gte=start, sale_date__lt=end, replaces__isnull=True)
        .annotate(month=TruncMonth("sale_date"))
        .values("model_id", "model__model_number", "model__brand", "month")
        .annotate(units=Count("pk"))
    )
    doa = (
        DoaCheck.objects.filter(
            status=DoaStatus.APPROVED, unit__sale_date__gte=start, unit__sale_date__lt=end
        )
        .annotate(month=TruncMonth("unit__sale_date"))
        .values("unit__model_id", "month")
        .annotate(n=Count("pk"))
    )
    found = {(r["unit__model_id"], r["month"]): r["n"] for r in doa}
    rows = []
    for r in sold:
        n = found.get((r["model_id"], r["month"]), 0)
        rows.append(
            {
                "model": f"{r['model__brand']} {r['model__model_number']}",
                "month": r["month"],
                "units": r["units"],
                "doa": n,
                "rate": (Decimal(n) * 100 / r["units"]).quantize(Decimal("0.01")) if r["units"] else None,
            }
        )
    rows.sort(key=lambda r: (r["month"], -(r["rate"] or 0), r["model"]), reverse=False)
    return rows


def refurbishment_rates() -> list[dict]:
    """Per model: taken back, still in refurbishment, restocked, scrapped, the rates and the cost."""
    rows = (
        Refurbishment.objects.values(brand=F("unit__model__brand"), model=F("unit__model__model_number"))
        .annotate(
            received=Count("pk"),
            open=Count("pk", filter=~Q(status__in=[RefurbStatus.RESTOCKED, RefurbStatus.SCRAPPED])),
            restocked=Count("pk", filter=Q(status=RefurbStatus.RESTOCKED)),
            scrapped=Count("pk", filter=Q(status=RefurbStatus.SCRAPPED)),
            scrapped_after_repair=Count(
                "pk", filter=Q(status=RefurbStatus.SCRAPPED, repaired_at__isnull=False)
            ),
            cost=Sum("parts_cost_amount", filter=Q(status=RefurbStatus.RESTOCKED))
            + Sum("labour_cost_amount", filter=Q(status=RefurbStatus.RESTOCKED)),
        )
        .order_by("brand", "model")
    )
    out = []
    for r in rows:
        finished = r["restocked"] + r["scrapped"]
        repaired = r["restocked"] + r["scrapped_after_repair"]
        out.append(
            r
            | {
                "refurb_rate": _pct(r["restocked"], finished),
                "success_rate": _pct(r["restocked"], repaired),
                "cost_each": (r["cost"] / r["restocked"]).quantize(Decimal("0.01"))
                if r["restocked"]
                else None,
            }
        )
    return out


def _pct(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01")) if whole else None


def remedies_summary(*, today: dt.date, now) -> dict:
    """The dashboard's panel: the approval queue (and how much of it is late), the out-of-box rate of the
    last three months of sales with its worst models, the refurbishment and repair-success rates."""
    queue = RemedyRequest.objects.filter(status="awaiting_approval").aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(approval_due_at__lt=now))
    )
    start = today.replace(day=1)
    for _i in range(2):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    end = today + dt.timedelta(days=1)
    rows = doa_rates(start=start, end=end)
    units = sum(r["units"] for r in rows)
    doa = sum(r["doa"] for r in rows)
    by_model: dict[str, list[int]] = {}
    for r in rows:
        pair = by_model.setdefault(r["model"], [0, 0])
        pair[0] += r["units"]
        pair[1] += r["doa"]
    worst = sorted(
        ((m, u, d, _pct(d, u)) for m, (u, d) in by_model.items() if d),
        key=lambda x: (-(x[3] or 0), x[0]),
    )[:5]
    refurb = refurbishment_rates()
    restocked = sum(r["restocked"] for r in refurb)
    scrapped = sum(r["scrapped"] for r in refurb)
    repaired = restocked + sum(r["scrapped_after_repair"] for r in refurb)
    return {
        "queue": queue["n"],
        "queue_late": queue["late"],
        "doa_since": start,
        "doa_rate": _pct(doa, units),
        "doa_worst": worst,
        "refurb_rate": _pct(restocked, restocked + scrapped),
        "success_rate": _pct(restocked, repaired),
    }
