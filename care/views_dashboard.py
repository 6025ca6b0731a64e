"""The manager's dashboard: care/dashboard.py's figures, drawn as server-rendered bar charts and small
tables, every number a link to the list behind it where that list can be filtered to it. A chart is a
named list (label, bar, number), not an image: its links stay reachable by keyboard and screen reader."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from aftersales.roles import Role, role_required
from repairs.choices import OPEN_STATUSES, WorkOrderStatus

from .dashboard import manager_dashboard

# The longest bar takes this share (%) of the space right of the labels, leaving room for its number.
BAR_SPAN = 75


def _n(value) -> str:
    """A count as the language writes it (1,000,025 in English, 1000025 in Chinese)."""
    return number_format(value, force_grouping=True)


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return reverse(name) + (f"?{query}" if query else "")


def bar_chart(items: list[dict], *, maximum: float | None = None) -> dict:
    """A horizontal bar chart. Each item: label, value (a number or None), text (shown after the bar),
    href (optional). Widths are percentages of the space beside the labels, so the chart scales with its
    card."""
    values = [i["value"] for i in items if i["value"] is not None]
    top = maximum if maximum is not None else max(values, default=0)
    bars = [
        {**item, "width": round(BAR_SPAN * item["value"] / top, 2) if top and item["value"] else 0}
        for item in items
    ]
    return {"bars": bars}


@role_required(Role.MANAGER)
def dashboard(request):
    figures = manager_dashboard()
    register, breaches = "repairs:register", "care:breaches"
    status_chart = bar_chart(
        [
            {
                "label": s["label"],
                "value": s["n"],
                "text": _n(s["n"]),
                "href": _url(register, status=s["status"]),
            }
            for s in figures["open_orders"]["by_status"]
        ]
    )
    province_chart = bar_chart(
        [
            {"label": p["name"], "value": p["n"], "text": _n(p["n"])}
            for p in figures["open_orders"]["by_province"]
        ]
    )
    compliance_rows = []
    for stage in figures["compliance"]["stages"]:
        for kind, week in (("last", _("last week")), ("this", _("this week"))):
            figure = stage[kind]
            shown = f"{figure.rate}% ({_n(figure.on_time)}/{_n(figure.settled)})"
            compliance_rows.append(
                {
                    "label": f"{stage['label']} · {week}",
                    "value": figure.rate,
                    "text": "—" if figure.rate is None else shown,
                    "kind": kind,
                }
            )
    breach_chart = bar_chart(
        [
            {
                "label": s["label"],
                "value": s["n"],
                "text": _n(s["n"]),
                "href": _url(breaches, stage=s["stage"]),
            }
            for s in figures["breaches"]["by_stage"]
        ]
    )
    satisfaction_chart = bar_chart(
        [
            {"label": c["name"] or "—", "value": c["average"], "text": f"{c['average']:.2f} ({_n(c['n'])})"}
            for c in figures["satisfaction"]
        ],
        maximum=5,
    )
    since = figures["complaints"]["since"].isoformat()
    context = {
        **figures,
        "open_url": _url(register, status=sorted(OPEN_STATUSES, key=WorkOrderStatus.values.index)),
        "status_chart": status_chart,
        "province_chart": province_chart,
        "compliance_chart": bar_chart(compliance_rows, maximum=100),
        "breach_chart": breach_chart,
        "breach_centers": [
            {**c, "href": _url(breaches, center=c["id"])} for c in figures["breaches"]["by_center"]
        ],
        "breaches_url": reverse(breaches),
        "callbacks_due_url": _url("care:callbacks", view="due"),
        "callbacks_overdue_url": _url("care:callbacks", view="overdue"),
        "satisfaction_chart": satisfaction_chart,
        "complaint_centers": [
            {**c, "href": _url("care:complaints", upheld=1, center=c["id"], resolved_from=since)}
            for c in figures["complaints"]["by_center"]
        ],
        "complaints_url": _url("care:complaints", upheld=1, resolved_from=since),
    }
    return render(request, "care/dashboard.html", context)
