"""The service budget's pages (manager only): the month's budget against actual cost, the drill-down behind
each figure, the Excel and PDF of the month, and the forms for budgets, manual costs and factory prices.
Every write calls insight.budget_services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.dbrouting import replica_view
from aftersales.months import previous_month
from aftersales.paging import page_window
from aftersales.parsing import parse_int, parse_month
from aftersales.roles import Role, role_required
from aftersales.web_errors import add_service_errors
from network.choices import RegionLevel
from network.models import Region
from repairs.models import ProductCategory

from . import budget_services as services
from .budget_drill import DRILL_MEASURES, drill_rows
from .budget_forms import BudgetForm, FactoryPriceForm, ManualCostForm
from .budget_selectors import MEASURE_LABELS, budget_report, category_rows
from .exports import budget_xlsx
from .models import SHARE_FIELDS, Budget, FactoryPrice, ManualCost
from .pdf import budget_pdf


def _filters(request) -> dict:
    """The month (default: the last complete one, the month a manager closes — as the rates page), category
    and province asked for; unknown codes are ignored."""
    data = request.GET
    month = parse_month(data.get("month"), default=previous_month(timezone.now()))
    categories = list(ProductCategory.objects.order_by("sort_order", "code"))
    provinces = list(Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"))
    category = next((c for c in categories if c.code == data.get("category")), None)
    region = next((r for r in provinces if r.code == data.get("region")), None)
    return {
        "month": month,
        "category": category,
        "region": region,
        "drafts": data.get("drafts") == "1",
        "categories": categories,
        "provinces": provinces,
    }


def _query(f: dict, **extra) -> str:
    params = {"month": f"{f['month']:%Y-%m}"}
    if f["category"]:
        params["category"] = f["category"].code
    if f["region"]:
        params["region"] = f["region"].code
    if f["drafts"]:
        params["drafts"] = "1"
    params.update(extra)
    return urlencode(params)


def _chart(report: dict) -> dict:
    """The trend's data for ECharts: amounts as strings of yuan (never floats), rates as percentages."""
    trend = report["trend"]
    return {
        "months": [f"{row['month']:%Y-%m}" for row in trend],
        "planned": [str(row["planned"]) for row in trend],
        "actual": [str(row["actual"]) for row in trend],
        "rate": [str(row["actual_rate"]) if row["actual_rate"] is not None else None for row in trend],
        "labels": {"planned": _("Planned"), "actual": _("Actual"), "rate": _("Actual rate (%)")},
    }


@role_required(Role.MANAGER)
@replica_view
def budget_month(request):
    f = _filters(request)
    report = budget_report(month=f["month"], category=f["category"], region=f["region"], drafts=f["drafts"])
    context = {
        **f,
        "report": report,
        "category_rows": category_rows(report, f["categories"]),
        "query": _query(f),
        "chart": _chart(report),
        "with_drafts": _query({**f, "drafts": True}),
        "without_drafts": _query({**f, "drafts": False}),
    }
    return render(request, "insight/budget.html", context)


@role_required(Role.MANAGER)
@require_POST
def budget_refresh(request):
    month = parse_month(request.POST.get("month"), default=timezone.localdate().replace(day=1))
    refresh = services.budget_actuals_refresh(month=month)
    messages.success(
        request,
        _("The figures of %(month)s were computed again (%(seconds)s s).")
        % {"month": f"{month:%Y-%m}", "seconds": refresh.seconds},
    )
    back = request.POST.get("next", "")
    if not back.startswith(reverse("insight:budget")):
        back = f"{reverse('insight:budget')}?month={month:%Y-%m}"
    return redirect(back)


@role_required(Role.MANAGER)
@replica_view
def budget_lines(request):
    f = _filters(request)
    measure = request.GET.get("measure") or "sales_value"
    if measure not in DRILL_MEASURES:
        raise Http404
    kind, rows, total = drill_rows(
        measure=measure, month=f["month"], category=f["category"], region=f["region"], drafts=f["drafts"]
    )
    context = page_window(request, rows, sizes=(50, 100, 200), default=50)
    context.update(
        {
            **f,
            "measure": measure,
            "measure_label": MEASURE_LABELS[measure],
            "kind": kind,
            "total": total,
            "back": _query(f),
        }
    )
    return render(request, "insight/budget_lines.html", context)


@role_required(Role.MANAGER)
@replica_view
def budget_export(request):
    f = _filters(request)
    report = budget_report(month=f["month"], category=f["category"], region=f["region"], drafts=f["drafts"])
    content = budget_xlsx(report, category_rows(report, f["categories"]), filters=f)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="budget-{f["month"]:%Y-%m}.xlsx"'
    return response


@role_required(Role.MANAGER)
@replica_view
def budget_month_pdf(request):
    f = _filters(request)
    content = budget_pdf(month=f["month"], category=f["category"], region=f["region"], drafts=f["drafts"])
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="budget-{f["month"]:%Y-%m}.pdf"'
    return response


@role_required(Role.MANAGER)
def budget_plans(request):
    year = parse_int(request.GET.get("year"), default=timezone.localdate().year, low=2000, high=2100)
    rows = Budget.objects.filter(year=year).select_related("category", "region", "updated_by")
    years = sorted({*Budget.objects.values_list("year", flat=True).distinct(), year}, reverse=True)
    return render(
        request,
        "insight/budget_plans.html",
        {"year": year, "rows": rows, "years": years, "shares": SHARE_FIELDS},
    )


@role_required(Role.MANAGER)
def budget_plan_edit(request, pk=None):
    budget = get_object_or_404(Budget, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = BudgetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.budget_save(
                    year=data["year"],
                    category=data["category"],
                    region=data["region"],
                    rate_percent=data["rate_percent"],
                    repair_rate_percent=data["repair_rate_percent"],
                    shares=form.shares(),
                    note=data["note"],
                    acting_user=request.user,
                    budget=budget,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Budget saved: %(budget)s") % {"budget": saved})
                return redirect(f"{reverse('insight:budget_plans')}?year={saved.year}")
    elif budget is not None:
        initial = {field: getattr(budget, field) for field in SHARE_FIELDS.values()}
        initial.update(
            year=budget.year,
            category=budget.category_id,
            region=budget.region_id,
            rate_percent=budget.rate_percent,
            repair_rate_percent=budget.repair_rate_percent,
            note=budget.note,
        )
        form = BudgetForm(initial=initial)
    else:
        year = parse_int(request.GET.get("year"), default=timezone.localdate().year, low=2000, high=2100)
        form = BudgetForm(initial={"year": year})
    return render(request, "insight/budget_plan_form.html", {"form": form, "budget": budget})


@role_required(Role.MANAGER)
def budget_costs(request):
    month = parse_month(request.GET.get("month"), default=timezone.localdate().replace(day=1))
    if request.method == "POST":
        form = ManualCostForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                cost = services.manual_cost_save(
                    month=data["month"],
                    item=data["item"],
                    category=data["category"],
                    region=data["region"],
                    amount=data["amount"],
                    note=data["note"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Cost saved: %(cost)s") % {"cost": cost})
                return redirect(f"{reverse('insight:budget_costs')}?month={cost.month:%Y-%m}")
    else:
        form = ManualCostForm(initial={"month": month})
    rows = ManualCost.objects.filter(month=month).select_related("category", "region", "entered_by")
    return render(request, "insight/budget_costs.html", {"form": form, "rows": rows, "month": month})


@role_required(Role.MANAGER)
def budget_prices(request):
    if request.method == "POST":
        form = FactoryPriceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                price = services.factory_price_add(
                    model=data["model"],
                    price_amount=data["price_amount"],
                    valid_from=data["valid_from"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Factory price saved: %(price)s") % {"price": price})
                return redirect("insight:budget_prices")
    else:
        form = FactoryPriceForm()
    rows = FactoryPrice.objects.select_related("model__category", "created_by").order_by(
        "model__category__sort_order", "model__brand", "model__model_number", "-valid_from"
    )
    context = page_window(request, rows, sizes=(50, 100, 200), default=100)
    context["form"] = form
    return render(request, "insight/budget_prices.html", context)
